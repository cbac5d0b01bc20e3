/* "Copier le lien" buttons: a button [data-copy="<input id>"] copies that input's value and says so in the element
   "<input id>-copied" (its text is the button's data-copied-text). Hidden when the browser has no clipboard. */
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var input = document.getElementById(button.dataset.copy);
    navigator.clipboard.writeText(input.value).then(function () {
      document.getElementById(button.dataset.copy + "-copied").textContent = button.dataset.copiedText;
    });
  });
});
