/* Paper entry: Ctrl+Enter (or Cmd+Enter) in the textarea sends the form, so that typing stays keyboard only. */
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && field.matches && field.matches("[data-submit-on-ctrl-enter]")) {
    event.preventDefault();
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});
