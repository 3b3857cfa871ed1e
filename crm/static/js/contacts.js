// Ask before a form marked data-confirm deletes or cancels something.
// Without JavaScript the forms still work; they just don't ask.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
