// Person picker (people/person_picker.py): search people by name, mobile number or committee on the server and
// tap to add them; each chosen person is a ticked checkbox submitted with the form (untick to remove).
(function () {
  document.querySelectorAll(".person-picker").forEach(function (picker) {
    // Each picker's template loads this file; bind once however many pickers a page has.
    if (picker.dataset.ready) return;
    picker.dataset.ready = "true";
    const search = picker.querySelector(".person-picker-search");
    const results = picker.querySelector(".person-picker-results");
    const empty = picker.querySelector(".person-picker-empty");
    const chosen = picker.querySelector(".person-picker-chosen");
    let timer = null;
    let latest = 0;

    const isChosen = (id) => chosen.querySelector("input[value='" + id + "']") !== null;

    const choose = (person) => {
      const existing = chosen.querySelector("input[value='" + person.id + "']");
      if (existing) { existing.checked = true; return; }
      const item = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = picker.dataset.name;
      box.value = String(person.id);
      box.checked = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + person.label));
      item.appendChild(label);
      chosen.appendChild(item);
    };

    const show = (people) => {
      results.replaceChildren();
      empty.hidden = people.length > 0;
      people.forEach(function (person) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "person-picker-result";
        button.textContent = person.label;
        button.disabled = isChosen(person.id);
        button.addEventListener("click", function () { choose(person); button.disabled = true; });
        item.appendChild(button);
        results.appendChild(item);
      });
    };

    const run = () => {
      const query = search.value.trim();
      if (!query) { results.replaceChildren(); empty.hidden = true; return; }
      const ticket = ++latest;
      fetch(picker.dataset.searchUrl + "?q=" + encodeURIComponent(query),
        { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => { if (ticket === latest) show(data.results); })
        .catch(() => {});
    };

    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 250);
    });
    // Enter in the search box searches; it must not submit the whole form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); window.clearTimeout(timer); run(); }
    });
  });
})();
