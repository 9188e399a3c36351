// Quiz attempts: a countdown to the deadline. Only a display: the server decides whether
// answers arrived in time. The box is sticky (site.css), so it stays in view down to the
// last question; in the last minute it turns red, with the words unchanged.
(function () {
  "use strict";
  const box = document.getElementById("time-left");
  if (!box) return;
  const shown = box.querySelector(".countdown");
  const end = Date.now() + Number(box.dataset.seconds) * 1000;
  const timeUp = box.dataset.timeUp || "";
  const LAST_MINUTE = 60;
  function tick() {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = left % 60;
    shown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    box.classList.toggle("low", left <= LAST_MINUTE);
    if (left === 0) {
      shown.textContent = timeUp;
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
