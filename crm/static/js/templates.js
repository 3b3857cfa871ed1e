// Live preview in the message wording editor: a moment after typing stops, the server fills
// the wording with sample details and the preview below is replaced. Without JavaScript the
// Preview button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  var preview = document.getElementById("preview");
  if (!form || !preview || !window.fetch || !window.URLSearchParams) return;
  var timer = null;
  var latest = 0;

  function refresh() {
    var asked = ++latest;
    var body = new URLSearchParams(new FormData(form));
    body.set("do", "preview");
    body.set("partial", "1");
    fetch(preview.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": form.elements.csrf_token.value },
      body: body
    })
      .then(function (response) {
        if (response.status !== 200 && response.status !== 422) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          return { html: html, fine: response.status === 200 };
        });
      })
      .then(function (answer) {
        if (asked !== latest) return;
        preview.innerHTML = answer.html;
        if (answer.fine) clearFieldErrors();
      })
      .catch(function () {
        // Leave the last preview; the Preview button still works.
      });
  }

  // The wording renders now: a problem marked by the last Save is fixed.
  function clearFieldErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (el) {
      el.remove();
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
    });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 600);
  });
})();
