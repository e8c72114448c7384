// Progress of a CSV import: polls the status as JSON and updates the bar and the live
// message; reloads the page once the import has finished (to show the result or report).
// Without JavaScript the page offers a link that shows the current progress.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("import-bar");
  var message = document.getElementById("import-message");
  var url = box.getAttribute("data-status-url");
  var announced = null;
  var refresh = document.getElementById("import-refresh");
  if (refresh) { refresh.hidden = true; }  // the page keeps itself up to date
  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        if (state.finished) { window.location.reload(); return; }
        if (bar) {
          if (state.status === "running" && state.phase === "checking") {
            bar.value = state.percent;
          } else {
            bar.removeAttribute("value");
          }
          bar.textContent = state.percent + " %";
        }
        // The message is a live region: announce a new phase and every tenth of the
        // rows, not every poll (screen readers would read it out each second).
        var step = state.phase + ":" + Math.floor(state.percent / 10);
        if (message && step !== announced) {
          announced = step;
          message.textContent = state.message;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
