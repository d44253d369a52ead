// Long checkbox/radio lists (people.widgets.Filterable*): show the search box and hide rows that do not match.
// Chosen rows always stay visible, so a filter never hides what will be submitted.
document.querySelectorAll("[data-filter-list]").forEach((box) => {
  const search = box.querySelector(".filter-list-search");
  const empty = box.querySelector(".filter-list-empty");
  const rows = Array.from(box.querySelectorAll("input[type=checkbox], input[type=radio]"), (input) => ({
    input, row: input.closest("div:not([data-filter-list]), li") || input.parentElement,
    text: (input.closest("label") || input.parentElement).textContent.trim().toLowerCase(),
  }));
  search.hidden = false;
  search.addEventListener("input", () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach(({ input, row, text }) => {
      const match = input.checked || words.every((word) => text.includes(word));
      row.hidden = !match;
      if (match) shown += 1;
    });
    empty.hidden = shown > 0;
  });
});
