// Roster import progress: poll the import's small JSON status until it is finished, then show the outcome.
(function () {
  const box = document.getElementById("roster-progress");
  if (!box || box.dataset.finished === "true") return;
  const bar = box.querySelector(".progress");
  const show = (state) => {
    box.querySelector("[data-role=label]").textContent = state.status_label;
    box.querySelector("[data-role=count]").textContent = state.processed + " / " + state.total;
    bar.setAttribute("aria-valuenow", String(state.percent));
    bar.firstElementChild.style.width = state.percent + "%";
    const failure = box.querySelector("[data-role=failure]");
    failure.textContent = state.failure;
    failure.hidden = !state.failure;
    box.querySelector("[data-role=done]").hidden = state.status !== "done";
    box.dataset.finished = String(state.finished);
  };
  const poll = () => {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((state) => {
        show(state);
        // A finished import's page says how many new people need login slips: load it once.
        if (state.status === "done") window.location.reload();
        else if (!state.finished) window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  };
  window.setTimeout(poll, 500);
})();
