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

  document.addEventListener("input", function (event) {
    var name = event.target.getAttribute && event.target.getAttribute("data-edit");
    var radio = name && document.getElementById(name);
    if (radio) radio.checked = true;
  });

  // The wizard's steps in one page: the server sends every step's form (all but one hidden);
  // here they switch without a request, each step its own history entry, so the phone's Back
  // moves between steps. Review posts every step at once; Complete posts the decisions.
  if (!window.history || !history.pushState) return;
  // A page the script asked for in place of a redirect: the address bar gets its GET URL,
  // so a refresh or Back reads it again instead of posting twice.
  var landed = document.querySelector("[data-address]");
  if (landed) history.replaceState(null, "", landed.getAttribute("data-address"));
  var root = document.getElementById("closeout");
  if (!root) return;
  var complete = document.getElementById("closeout-complete");
  if (complete) hidden(complete, "js", "1").removeAttribute("data-carried");
  var ORDER = ["work", "notes", "next", "review"];
  var sections = {};
  var found = root.querySelectorAll("section[data-step]");
  for (var s = 0; s < found.length; s++) sections[found[s].getAttribute("data-step")] = found[s];
  var title = document.getElementById("closeout-title");
  var suffix = document.title.slice(document.title.indexOf(" · "));
  var current = root.getAttribute("data-current");
  var pressed = null;

  function show(step, focus) {
    for (var name in sections) sections[name].hidden = name !== step;
    var label = sections[step].getAttribute("data-title");
    title.textContent = "Close out: " + label;
    document.title = "Close out: " + label + suffix;
    var items = root.querySelectorAll(".steps li");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute("data-step") === step) items[i].setAttribute("aria-current", "step");
      else items[i].removeAttribute("aria-current");
    }
    current = step;
    if (focus) {
      window.scrollTo(0, 0);
      title.focus();
    }
  }

  function go(step, now) {
    if (!now && history.state && history.state.from === step) {
      history.back();  // the step before, as the phone's Back would
      return;
    }
    history.pushState({ closeout: step, from: current }, "", sections[step].getAttribute("data-url"));
    show(step, true);
  }

  // Whatever step the server showed (a step page, the review, a step with a mistake to fix),
  // the address bar names it, so a refresh is a plain GET of that step.
  history.replaceState({ closeout: current }, "", sections[current].getAttribute("data-url"));
  window.addEventListener("popstate", function (event) {
    var step = event.state && event.state.closeout;
    if (step && sections[step]) show(step, true);
    else location.reload();
  });

  root.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-step-link]");
    if (link && sections[link.getAttribute("data-step-link")]) {
      event.preventDefault();
      go(link.getAttribute("data-step-link"));
    }
    pressed = event.target.closest && event.target.closest("button");
  });

  // The server's limits that a form control cannot say by itself.
  var date = document.getElementById("next_date");
  function checkDate() {
    var chosen = root.querySelector("input[name=next_kind]:checked");
    var message = "";
    if (chosen && chosen.value === "schedule_now") {
      if (!date.value) message = "Pick the day and time of the next visit.";
      else if (date.value < date.getAttribute("data-today")) message = "The next visit must be in the future.";
    }
    date.setCustomValidity(message);
  }

  function hidden(form, name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    input.setAttribute("data-carried", "");
    return form.appendChild(input);
  }

  function carry(form) {
    var old = form.querySelectorAll("[data-carried]");
    for (var i = 0; i < old.length; i++) old[i].remove();
    var extra = [["js", "1"]];
    ["work", "notes"].forEach(function (step) {
      var data = new FormData(sections[step].querySelector("form"));
      data.forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "go") extra.push([name, value]);
      });
    });
    extra.forEach(function (pair) { hidden(form, pair[0], pair[1]); });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    var step = form.getAttribute("data-step");
    var button = event.submitter || pressed;
    pressed = null;
    var back = button && button.name === "go" && button.value === "back";
    if (!step) return;  // the review's Complete goes to the server as it is
    if (back) {
      event.preventDefault();
      go(ORDER[ORDER.indexOf(step) - 1]);
      return;
    }
    if (step === "next") {
      checkDate();
      if (!form.reportValidity()) {
        event.preventDefault();
        return;
      }
      var invalid = root.querySelector("section[data-step] form :invalid");
      if (invalid) {  // an earlier step no longer passes: show it there
        event.preventDefault();
        go(invalid.closest("section").getAttribute("data-step"), true);
        invalid.form.reportValidity();
        return;
      }
      carry(form);
      return;  // Review: the browser posts every step
    }
    event.preventDefault();
    go(ORDER[ORDER.indexOf(step) + 1]);
  });
  if (date) {
    root.addEventListener("change", function () { checkDate(); });
  }
})();
