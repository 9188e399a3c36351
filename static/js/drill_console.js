// Drill consoles: the clock ticks in the page and the state is polled from the server,
// which alone decides what is released. Text from the server is set with textContent,
// never as HTML. Forms marked for the background (log, acknowledgement, the evaluator's
// ticks and ratings) are sent with fetch and confirmed on screen; without this script
// they post as ordinary forms.
(function () {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const stateUrl = root.dataset.stateUrl;
  const pollMs = (parseFloat(root.dataset.pollSeconds) || 1) * 1000;
  const kind = root.dataset.console;
  const clock = document.getElementById("drill-clock");
  const stateLabel = document.getElementById("drill-state");
  const pauseBanner = document.getElementById("pause-banner");
  const stateNames = readJson("state-names");
  const texts = readJson("console-texts");
  let elapsed = parseInt(clock.dataset.elapsed, 10) || 0;
  let running = clock.dataset.state === "running";
  let syncedAt = performance.now();

  function readJson(id) {
    return JSON.parse(document.getElementById(id)?.textContent || "{}");
  }

  function fill(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
  }

  // The same form as drills.clock.format_drill_time: mm:ss, h:mm:ss from an hour on.
  function formatDrillTime(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
    const s = String(seconds % 60).padStart(2, "0");
    return h ? `${h}:${m}:${s}` : `${m}:${s}`;
  }

  function showClock() {
    const extra = running ? Math.floor((performance.now() - syncedAt) / 1000) : 0;
    clock.textContent = formatDrillTime(elapsed + extra);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A cue when an inject arrives: vibration where the phone allows it, and a short beep
  // once the person has touched the page (browsers allow sound only after a gesture).
  let audio = null;
  function unlockAudio() {
    if (audio || !window.AudioContext) return;
    audio = new AudioContext();
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  function cue() {
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    if (!audio) return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  function renderLog(entries, withWho) {
    const list = document.getElementById("drill-log");
    if (!list) return;
    list.replaceChildren(...entries.map((entry) => {
      const who = withWho && entry.who ? ` ${entry.who}:` : "";
      const item = element("li", "", `${entry.drill_time}${who} ${entry.text}`);
      item.dataset.id = entry.id;
      return item;
    }));
  }

  // Newest on top: the state lists injects newest first, so the unknown ones are added
  // oldest first, each above the last.
  function renderInjects(injects) {
    const list = document.getElementById("injects");
    const known = new Set([...list.querySelectorAll(".inject")].map((node) => node.dataset.id));
    let arrived = false;
    for (const inject of [...injects].reverse()) {
      if (known.has(String(inject.id))) continue;
      list.querySelector(".empty")?.remove();
      const item = element("li", "inject new");
      item.dataset.id = inject.id;
      const meta = element("p", "note");
      meta.append(
        element("strong", "badge new", texts.new_inject),
        " ",
        element("strong", "released-at", fill(texts.released_at, { when: inject.released_drill_time })),
        ` · ${inject.channel} · ${inject.sender} → ${inject.role}`,
      );
      item.append(meta, element("h3", "", inject.subject), element("p", "message", inject.message));
      const form = document.querySelector(".ack-template")?.content.cloneNode(true);
      if (form) {
        form.querySelector("input[name=inject]").value = inject.id;
        item.append(form);
      }
      list.prepend(item);
      arrived = true;
    }
    if (arrived) cue();
  }

  function renderTimeline(injects) {
    for (const inject of injects) {
      const row = document.getElementById(`inject-${inject.id}`);
      if (!row || !inject.released_drill_time || row.classList.contains("released")) continue;
      row.classList.replace("pending", "released");
      row.querySelector(".inject-status").textContent =
        fill(texts.released_at, { when: inject.released_drill_time });
    }
  }

  // The evaluator's log-entry choices follow the log as participants write it. A choice
  // the evaluator made is kept; one they have not touched follows the matching entry.
  function renderLogChoices(entries, matching) {
    for (const select of document.querySelectorAll(".tick-form select[name=log_entry]")) {
      const chosen = select.value;
      const fixed = [...select.options].slice(0, 2);  // "choose…" and "no log entry"
      const options = entries.map((entry) => {
        const option = element("option", "", `${entry.drill_time} ${entry.who}: ${entry.text.slice(0, 40)}`);
        option.value = entry.id;
        return option;
      });
      select.replaceChildren(...fixed, ...options);
      const actionId = select.form.querySelector("input[name=action]").value;
      const match = matching[actionId];
      select.value = !select.dataset.touched && match ? String(match) : chosen;
    }
  }

  function showState(state) {
    elapsed = state.clock.elapsed_seconds;
    running = state.clock.state === "running";
    syncedAt = performance.now();
    if (stateLabel) {
      stateLabel.textContent = stateNames[state.clock.state] || state.clock.state;
      stateLabel.className = `stage ${state.clock.state}`;
    }
    if (pauseBanner) pauseBanner.hidden = state.clock.state !== "paused";
  }

  // The tag of the state last shown: while nothing has changed the server answers
  // 304 Not Modified, and the page keeps what it shows (drills/console_tags.py).
  let shownTag = null;

  async function poll() {
    try {
      const headers = { Accept: "application/json" };
      if (shownTag) headers["If-None-Match"] = shownTag;
      const response = await fetch(stateUrl, { headers, credentials: "same-origin" });
      if (response.ok) {
        shownTag = response.headers.get("ETag");
        const state = await response.json();
        showState(state);
        if (kind === "play") renderInjects(state.injects);
        else renderTimeline(state.injects);
        if (kind === "evaluate") renderLogChoices(state.log, state.matching_entries || {});
        renderLog(state.log, kind !== "play");
      }
    } catch (error) {
      // The network may drop for a moment; the next poll catches up.
    }
    setTimeout(poll, pollMs);
  }

  // Posts a form in the background; returns [ok, body]. A refusal's body carries the
  // message in the reader's language; anything else says what failed.
  async function send(form) {
    try {
      // getAttribute: the tick form's input named "action" hides form.action.
      const response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
      let body = {};
      try { body = await response.json(); } catch (error) { body = {}; }
      if (!response.ok && !body.error) body.error = fill(texts.failed, { reason: `HTTP ${response.status}` });
      else if (!response.ok) body.error = fill(texts.failed, { reason: body.error });
      return [response.ok, body];
    } catch (error) {
      return [false, { error: fill(texts.failed, { reason: texts.offline }) }];
    }
  }

  function background(selector, onSaved) {
    document.addEventListener("submit", async (event) => {
      const form = event.target.closest(selector);
      if (!form) return;
      event.preventDefault();
      const status = form.querySelector(".save-state");
      if (status) { status.className = "save-state"; status.textContent = texts.sending; }
      const [ok, body] = await send(form);
      if (!ok) {
        if (!status) return;
        status.className = "save-state error";
        status.textContent = `${body.error} `;
        const retry = element("button", "retry", texts.retry);
        retry.type = "button";
        retry.addEventListener("click", () => form.requestSubmit());
        status.append(retry);
        return;
      }
      if (status) { status.className = "save-state saved"; status.textContent = body.message || texts.saved; }
      onSaved(form, body);
    });
  }

  background(".tick-form", (form, body) => {
    const row = form.closest("tr");
    const shown = row.querySelector(".tick-time");
    shown.textContent = fill(texts.achieved_at, { when: body.achieved_drill_time });
    shown.hidden = false;
    form.querySelector("button[type=submit]").textContent = texts.tick_again;
  });
  background(".rating-form", () => {});
  document.addEventListener("change", (event) => {
    if (event.target.matches(".tick-form select")) event.target.dataset.touched = "1";
  });

  const logForm = document.getElementById("log-form");
  if (logForm) {
    logForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = document.getElementById("log-error");
      const [ok, state] = await send(logForm);
      if (!ok) {
        error.textContent = state.error;
        return;
      }
      error.textContent = "";
      logForm.reset();
      renderLog(state.log, false);
    });
  }

  if (kind === "play") {
    document.addEventListener("submit", async (event) => {
      const form = event.target.closest(".ack-form");
      if (!form) return;
      event.preventDefault();
      const [ok, body] = await send(form);
      const error = document.getElementById("log-error");
      if (!ok) {
        if (error) error.textContent = body.error;
        return;
      }
      const item = form.closest(".inject");
      item?.classList.remove("new");
      item?.querySelector(".badge.new")?.remove();
      form.querySelector("button")?.replaceWith(
        document.querySelector(".acknowledged-template").content.cloneNode(true));
    });
  }

  showClock();
  setInterval(showClock, 250);
  setTimeout(poll, pollMs);
})();
