// Clock in / clock out without leaving the page: the form is posted as it would be without
// JavaScript, and the parts of the page that depend on the clock ([data-live-part], the
// header's "Now" link) are replaced by the server's answer, so they can never disagree with it.
// Without JavaScript (or if this fails) the form posts and the page comes back with a notice.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;

  function swap(oldNode, newNode, parent, after) {
    if (oldNode && newNode) oldNode.replaceWith(newNode);
    else if (oldNode) oldNode.remove();
    else if (newNode && parent) parent.insertBefore(newNode, after ? after.nextSibling : null);
  }

  function apply(doc) {
    document.querySelectorAll("[data-live-part]").forEach(function (part) {
      swap(part, doc.getElementById(part.id));
    });
    var header = document.querySelector("header");
    swap(document.querySelector("header .now"), doc.querySelector("header .now"),
      header, header && header.querySelector(".brand"));
    var said = doc.querySelector("main .error, main > .notice");
    var live = document.getElementById("live");
    live.className = said ? said.className : "";
    live.textContent = said ? said.textContent : "";
    var button = document.querySelector("form[data-clock] button");
    if (button) button.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-clock]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      body: new URLSearchParams(new FormData(form))
    })
      .then(function (response) {
        if (response.status >= 500) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        // Not the ticket page (signed out, say): let the browser post and show what comes.
        if (!doc.getElementById("ticket-state")) throw new Error("not the ticket page");
        apply(doc);
      })
      .catch(function () {
        form.submit();
      });
  });
})();
