// Filter forms: a <select data-submit-on-change> submits its form as soon as it changes,
// first emptying the field named in data-clears (a department list that depends on it).
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      const form = select.form;
      const cleared = select.dataset.clears && form.elements[select.dataset.clears];
      if (cleared) cleared.value = "";
      form.submit();
    });
  });
})();
