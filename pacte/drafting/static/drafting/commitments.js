// The commitments editor (pacte/drafting/templates/drafting/commitments/): htmx does not swap error answers by
// default; a stale save (409 Conflict: someone changed the action meanwhile) is answered with the form, the other
// person's text and one's own draft, and must be shown in place like any other answer.
document.addEventListener("htmx:beforeSwap", function (event) {
  var detail = event.detail;
  if (detail.xhr.status !== 409) return;
  if (!detail.target || !detail.target.closest || !detail.target.closest("[data-drafting-commitments]")) return;
  detail.shouldSwap = true;
  detail.isError = false;
});
