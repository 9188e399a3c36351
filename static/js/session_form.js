// The session form of the Wagtail admin (training/admin/sessions.py): only the departments
// of the organisation chosen are shown; one of another organisation is unticked and hidden
// when the organisation changes. Without this script every department in the user's scope
// is listed, named with its organisation, and the form refuses a mismatch.
(function () {
  "use strict";
  function showDepartmentsOf(select) {
    document.querySelectorAll("input[data-organisation]").forEach(function (box) {
      const elsewhere = box.dataset.organisation !== select.value;
      if (elsewhere) box.checked = false;
      (box.closest("label") || box).hidden = elsewhere;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    const select = document.querySelector("select[name=organisation]");
    if (!select) return;
    showDepartmentsOf(select);
    select.addEventListener("change", function () { showDepartmentsOf(select); });
  });
})();
