// Close-out helpers. Notes: warn while typing when the text looks like a card number or a US
// social security number (the server removes them anyway; crm/core/sanitise.py has the same
// rules). Review: typing a new value chooses "Change it".
(function () {
  "use strict";
  // (^|[^\d-]) stands in for a look-behind, which older Safari lacks.
  var CARD = /(^|[^\d-])(\d(?:[ -]?\d){12,18})(?![\d-])/g;
  var SSN_DASHED = /(^|[^\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/;
  var SSN_LABELLED = /\b(ssn|social security(?: number| no\.?| #)?)\s*[:#]?\s*(?!000|666|9\d\d)\d{3}[ .-]?(?!00)\d{2}[ .-]?(?!0000)\d{4}(?!\d)/i;
  var SSN_DOTTED_OR_SPACED = /(^|[^\d.\/ -]|[^\d][.\/ -])(?!000|666|9\d\d)\d{3}(?:\.(?!00)\d{2}\.| (?!00)\d{2} )(?!0000)\d{4}(?!\d)(?![-.\/ ]\d)/;
  // Digit groups joined by dots, slashes, dashes, runs of spaces or one line break.
  var GROUPED = /(^|[^\d])(\d{1,6}(?:(?:[ \t]*\r?\n[ \t]*|[ \t]*[.\/-][ \t]*|[ \t]+)\d{1,6}){2,4})(?!\d)/g;

  function luhn(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      var value = +digits.charAt(digits.length - 1 - i);
      if (i % 2 === 1) {
        value *= 2;
        if (value > 9) value -= 9;
      }
      total += value;
    }
    return total % 10 === 0;
  }

  function hasCard(text) {
    var match;
    CARD.lastIndex = 0;
    while ((match = CARD.exec(text))) {
      var digits = match[2].replace(/\D/g, "");
      if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
    }
    GROUPED.lastIndex = 0;
    while ((match = GROUPED.exec(text))) {
      var grouped = match[2].replace(/\D/g, "");
      if (grouped.length >= 13 && grouped.length <= 19 && luhn(grouped)) return true;
    }
    return false;
  }

  var notes = document.getElementById("notes");
  var warning = document.getElementById("notes-warning");
  if (notes && warning) {
    var check = function () {
      var card = hasCard(notes.value);
      var ssn = SSN_LABELLED.test(notes.value) || SSN_DASHED.test(notes.value) ||
        SSN_DOTTED_OR_SPACED.test(notes.value);
      var what = card && ssn ? "a card number and a social security number"
        : card ? "a card number" : ssn ? "a social security number" : "";
      warning.hidden = !what;
      warning.textContent = what
        ? "This looks like " + what + ". It will be removed before saving: please delete it."
        : "";
    };
    notes.addEventListener("input", check);
    check();
  }

  var edits = document.querySelectorAll("[data-edit]");
  for (var i = 0; i < edits.length; i++) {
    edits[i].addEventListener("input", function (event) {
      var radio = document.getElementById(event.target.getAttribute("data-edit"));
      if (radio) radio.checked = true;
    });
  }
})();
