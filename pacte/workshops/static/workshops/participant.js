/* Participants' page: HTMX swaps the refused block too (400 bad input, 409 workshop not open, 429 too many
   answers), so that the French message shows where the participant is. Without JavaScript the forms post
   normally. */
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409 || status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
