// Clock in / clock out without a reload. Without JavaScript (or if this fails) the form posts
// and the page comes back with a notice.
(function () {
  "use strict";
  var form = document.querySelector("form[data-clock]");
  if (!form || !window.fetch) return;
  var LABELS = { scheduled: "Scheduled", in_progress: "In progress" };
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var out = /\/clock-out$/.test(form.action);
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/api/actions", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": form.elements.csrf_token.value
      },
      body: JSON.stringify({
        domain: "ticket",
        action: out ? "clock_out" : "clock_in",
        data: { id: form.getAttribute("data-ticket") }
      })
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        var ticket = body.data;
        var badge = document.getElementById("ticket-status");
        badge.className = "badge " + ticket.status;
        badge.textContent = LABELS[ticket.status] || ticket.status.replace("_", " ");
        form.action = form.action.replace(/clock-(in|out)$/, out ? "clock-in" : "clock-out");
        button.textContent = out ? "Clock in" : "Clock out";
        button.disabled = false;
        var close = document.getElementById("close-out");
        var noShow = document.getElementById("no-show-section");
        if (ticket.status === "in_progress") {
          if (close) close.hidden = false;
          if (noShow) noShow.hidden = true;
        }
        var live = document.getElementById("live");
        live.className = "notice";
        live.textContent = out ? "Clocked out." : "Clocked in. The clock is running.";
      })
      .catch(function () {
        form.submit();
      });
  });
})();
