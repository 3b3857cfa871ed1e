// The new-ticket form without reloads: find a contact and pick their address in place, and keep
// the minutes in step with the services picked. Without JavaScript (or if a fetch fails) the
// Search and "Show this contact's addresses" buttons post the whole form, which comes back with
// everything typed.
(function () {
  "use strict";
  var form = document.getElementById("new-ticket");
  if (!form || !window.fetch) return;
  var query = document.getElementById("contact_q");
  var search = document.getElementById("contact-search");
  var pick = document.getElementById("contact-pick");
  var list = document.getElementById("contact-list");
  var addresses = document.getElementById("contact-addresses");
  var duration = document.getElementById("duration");
  var auto = document.getElementById("duration_auto");
  pick.hidden = true;

  function checkedAddress() {
    var radio = form.querySelector("input[name=address_id]:checked");
    return radio ? radio.value : "";
  }

  function contactId() {
    var select = document.getElementById("contact_id");
    return select ? select.value : "";
  }

  // Ask the server for the contact list and the chosen contact's addresses, as HTML.
  function load(params, swapList) {
    var url = "/tickets/new/customer?" + new URLSearchParams(params).toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var parts = new DOMParser().parseFromString(html, "text/html");
        if (swapList) list.innerHTML = parts.getElementById("contact-list-part").innerHTML;
        addresses.innerHTML = parts.getElementById("contact-addresses-part").innerHTML;
      });
  }

  var fallback = false;
  function post(button) {
    fallback = true;
    button.hidden = false;
    button.click();
  }

  function find() {
    search.disabled = true;
    load({ contact_q: query.value.trim() }, true)
      .catch(function () { search.disabled = false; post(search); })
      .then(function () { search.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    var by = event.submitter;
    if (fallback || !by || by.value !== "search") return;
    event.preventDefault();
    var active = document.activeElement;
    // Enter in another field submits through the first button (Search): create instead.
    if (active && active !== query && active !== search && active.form === form) {
      form.querySelector("button[value=create]").click();
      return;
    }
    find();
  });

  form.addEventListener("change", function (event) {
    if (event.target.id !== "contact_id") return;
    load({ contact_id: contactId(), address_id: checkedAddress() }, false)
      .catch(function () { post(pick); });
  });

  // Minutes from the catalog: per-unit services count each unit; others count once.
  function minutes() {
    var total = 0;
    var picked = false;
    form.querySelectorAll("[data-minutes]").forEach(function (input) {
      var count;
      if (input.type === "checkbox") count = input.checked ? 1 : 0;
      else if (input.hasAttribute("data-per-unit")) count = parseFloat(input.value.replace(/,/g, "")) || 0;
      else count = input.value.trim() && input.value.trim() !== "0" ? 1 : 0;
      if (count > 0) {
        picked = true;
        total += count * Number(input.getAttribute("data-minutes"));
      }
    });
    if (!picked || total <= 0) return 60;
    var rounded = Math.ceil(total / 5) * 5;
    return Math.min(Math.max(rounded, Number(duration.min) || 5), Number(duration.max) || 1440);
  }

  form.addEventListener("input", function (event) {
    if (!event.target.hasAttribute || !event.target.hasAttribute("data-minutes")) return;
    if (duration.value !== "" && duration.value !== auto.value) return; // typed by hand: kept
    duration.value = auto.value = String(minutes());
  });
})();
