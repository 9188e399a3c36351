// Quiz attempts: a countdown to the deadline. Only a display: the server decides whether
// answers arrived in time.
(function () {
  "use strict";
  const box = document.getElementById("time-left");
  if (!box) return;
  const shown = box.querySelector(".countdown");
  const end = Date.now() + Number(box.dataset.seconds) * 1000;
  const timeUp = box.dataset.timeUp || "";
  function tick() {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = left % 60;
    shown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left === 0) {
      shown.textContent = timeUp;
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
