// Inline validation: say what is wrong next to a field as soon as it is left, before submitting.
(function () {
  "use strict";
  function message(field) {
    var id = (field.id || field.name) + "-live-error";
    var el = document.getElementById(id);
    if (field.validity.valid) {
      if (el && el.dataset.live) el.remove();
      if (field.dataset.liveInvalid) { field.removeAttribute("aria-invalid"); delete field.dataset.liveInvalid; }
      return;
    }
    if (!el) {
      el = document.createElement("span");
      el.id = id;
      el.className = "field-error";
      el.dataset.live = "1";
      field.insertAdjacentElement("afterend", el);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", described ? described + " " + id : id);
    }
    el.textContent = field.validationMessage;
    field.setAttribute("aria-invalid", "true");
    field.dataset.liveInvalid = "1";
  }
  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (field.matches && field.matches("input, select, textarea") && field.willValidate && field.value !== "") message(field);
  });
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.dataset && field.dataset.liveInvalid) message(field);
  });
})();
