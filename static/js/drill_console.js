// Drill consoles: the clock ticks in the page and the state is polled from the server,
// which alone decides what is released. Text from the server is set with textContent,
// never as HTML.
(function () {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const stateUrl = root.dataset.stateUrl;
  const pollMs = (parseFloat(root.dataset.pollSeconds) || 1) * 1000;
  const kind = root.dataset.console;
  const clock = document.getElementById("drill-clock");
  const stateLabel = document.getElementById("drill-state");
  const stateNames = JSON.parse(document.getElementById("state-names")?.textContent || "{}");
  let elapsed = parseInt(clock.dataset.elapsed, 10) || 0;
  let running = clock.dataset.state === "running";
  let syncedAt = performance.now();

  function formatElapsed(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  }

  function showClock() {
    const extra = running ? Math.floor((performance.now() - syncedAt) / 1000) : 0;
    clock.textContent = formatElapsed(elapsed + extra);
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

  function renderInjects(injects) {
    const list = document.getElementById("injects");
    const known = new Set([...list.querySelectorAll(".inject")].map((node) => node.dataset.id));
    const empty = list.querySelector(".empty");
    for (const inject of injects) {
      if (known.has(String(inject.id))) continue;
      if (empty) empty.remove();
      const item = element("li", "inject new");
      item.dataset.id = inject.id;
      item.append(
        element("p", "note", `${inject.offset} · ${inject.channel} · ${inject.sender} → ${inject.role}`),
        element("h3", "", inject.subject),
        element("p", "message", inject.message),
      );
      const form = document.querySelector(".ack-template")?.content.cloneNode(true);
      if (form) {
        form.querySelector("input[name=inject]").value = inject.id;
        item.append(form);
      }
      list.append(item);
    }
  }

  function renderTimeline(injects) {
    for (const inject of injects) {
      const row = document.getElementById(`inject-${inject.id}`);
      if (!row || !inject.released_at || row.classList.contains("released")) continue;
      row.classList.replace("pending", "released");
      const when = new Date(inject.released_at).toLocaleTimeString("ja-JP", { hour12: false });
      row.querySelector(".inject-status").textContent = when;
    }
  }

  async function poll() {
    try {
      const response = await fetch(stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        elapsed = state.clock.elapsed_seconds;
        running = state.clock.state === "running";
        syncedAt = performance.now();
        if (stateLabel) {
          stateLabel.textContent = stateNames[state.clock.state] || state.clock.state;
          stateLabel.className = `stage ${state.clock.state}`;
        }
        if (kind === "play") renderInjects(state.injects);
        else renderTimeline(state.injects);
        renderLog(state.log, kind !== "play");
      }
    } catch (error) {
      // The network may drop for a moment; the next poll catches up.
    }
    setTimeout(poll, pollMs);
  }

  const logForm = document.getElementById("log-form");
  if (logForm) {
    logForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = document.getElementById("log-error");
      const response = await fetch(window.location.href, {
        method: "POST",
        body: new FormData(logForm),
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
      const state = await response.json();
      if (!response.ok) {
        error.textContent = state.error;
        return;
      }
      error.textContent = "";
      logForm.reset();
      renderLog(state.log, false);
    });
  }

  showClock();
  setInterval(showClock, 250);
  setTimeout(poll, pollMs);
})();
