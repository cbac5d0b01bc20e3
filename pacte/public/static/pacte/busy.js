// Long work (an import, a document) shows that it is under way: a form marked data-pacte-busy
// announces the wait to screen readers, says so in its button and ignores a second click.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-pacte-busy")) return;
  if (form.getAttribute("aria-busy") === "true") {
    event.preventDefault(); // already sent
    return;
  }
  form.setAttribute("aria-busy", "true");
  var button = event.submitter || form.querySelector("button[type=submit]");
  // After the browser has read the form (a disabled button would not be sent with it).
  window.setTimeout(function () {
    if (button) {
      button.setAttribute("disabled", "disabled");
      button.textContent = form.getAttribute("data-pacte-busy") || "Traitement en cours…";
    }
  }, 0);
});
