// Calendar navigation without a full page load: fetch the next view, swap <main>, keep history.
(function () {
  "use strict";
  var main = document.querySelector("main");
  if (!main || !window.fetch || !window.DOMParser || !history.pushState) return;
  function load(url, push) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error(); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.querySelector("main");
        if (!next) throw new Error();
        main.innerHTML = next.innerHTML;
        document.title = doc.title;
        if (push) history.pushState({ calendar: true }, "", url);
        var h1 = main.querySelector("h1");
        if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus(); }
      })
      .catch(function () { window.location.href = url; });
  }
  main.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== "/") return;
    event.preventDefault();
    load(url.pathname + url.search, true);
  });
  window.addEventListener("popstate", function () { load(window.location.pathname + window.location.search, false); });
})();
