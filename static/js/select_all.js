// "Select all on this page": a box with data-select-all="<name>" ticks or clears every
// checkbox of that name in its form. Without JavaScript each box is still ticked by hand.
document.querySelectorAll("input[data-select-all]").forEach((all) => {
  const boxes = () => all.form.querySelectorAll(`input[name="${all.dataset.selectAll}"]`);
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
});
