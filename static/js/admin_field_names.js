// Wagtail's page editor leaves some fields without an accessible name (JIS X 8341-3,
// WCAG 2.1 success criterion 4.1.2): the items of a list block (a key point, a checklist
// item) and the rich-text editor. A screen reader announces them as "edit text" with
// nothing to say which. Each is named after the block it is in, the heading of the
// nearest panel around it. The editor adds blocks as it goes, so newcomers are named too.
(function () {
  "use strict";
  var UNNAMED = 'input:not([type="hidden"]):not([aria-label]):not([aria-labelledby]),' +
    ' [role="textbox"]:not([aria-label]):not([aria-labelledby])';

  function hasLabel(field) {
    return field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
  }

  function nameFields() {
    document.querySelectorAll(UNNAMED).forEach(function (field) {
      if (hasLabel(field) || field.closest("label")) return;
      var section = field.closest("section[aria-labelledby]");
      var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
      var text = heading && heading.textContent.replace(/\s+/g, " ").trim();
      if (text) field.setAttribute("aria-label", text);
    });
    // The minimap's list scrolls: a keyboard user must be able to reach it (2.1.1).
    document.querySelectorAll(".w-minimap__list").forEach(function (list) {
      if (list.getAttribute("tabindex") !== "0") list.setAttribute("tabindex", "0");
    });
  }

  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; nameFields(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    nameFields();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  });
})();
