// An import's progress page: follow the worker's done_rows every second, then show the result.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) instead.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  if (!bar || !text) return;
  var url = "/api/data?type=imports&id=" + encodeURIComponent(bar.getAttribute("data-import"));
  function later(ms) { window.setTimeout(poll, ms); }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || !body.success) { later(3000); return; }
        var row = body.data;
        if (row.status !== "queued" && row.status !== "running") { window.location.reload(); return; }
        bar.max = Math.max(row.total_rows, 1);
        bar.value = row.done_rows;
        bar.textContent = row.done_rows + " of " + row.total_rows;
        text.textContent = row.done_rows + " of " + row.total_rows + " rows";
        later(1000);
      })
      .catch(function () { later(3000); });
  }
  later(1000);
})();
