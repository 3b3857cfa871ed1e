// The plan form: only the chosen repeat kind's fields, and only the chosen end's field, are
// shown. Without JavaScript every field shows and the server reads the chosen ones. Ending a
// plan asks first (data-confirm).
(function () {
  "use strict";
  function sync(form, name, attr) {
    var chosen = form.querySelector("input[name=" + name + "]:checked");
    form.querySelectorAll("[" + attr + "]").forEach(function (part) {
      part.hidden = !chosen || part.getAttribute(attr).split(" ").indexOf(chosen.value) < 0;
    });
  }
  var form = document.getElementById("plan-form");
  if (form) {
    var update = function () {
      sync(form, "repeat", "data-kind");
      sync(form, "ends", "data-end");
    };
    form.addEventListener("change", update);
    update();
  }
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
