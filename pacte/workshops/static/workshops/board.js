/* The room's board: its body (#board-live) is replaced every 3 s by HTMX; the live region outside it
   (#board-announce) announces the new totals, once each, to screen readers. */
document.addEventListener("htmx:afterSettle", function () {
  var board = document.getElementById("board-live");
  var announce = document.getElementById("board-announce");
  if (board && announce && announce.textContent !== board.dataset.summary) {
    announce.textContent = board.dataset.summary;
  }
});
