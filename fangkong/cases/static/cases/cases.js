// Case pages. Investigation timers count down in place: every element with data-due (an ISO time) shows
// the time left, or how late, once a second. No inline script: the CSP allows only ours.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function show(el) {
    var due = Date.parse(el.getAttribute("data-due"));
    if (isNaN(due)) { return; }
    var left = Math.round((due - Date.now()) / 1000);
    var late = left < 0;
    var s = Math.abs(left);
    var text = Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    el.textContent = late ? (el.getAttribute("data-late") || "late") + " " + text : text;
    el.classList.toggle("overdue", late);
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(show);
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();

// The trajectory's entry row: after htmx added a visit (or showed the row's errors), the
// cursor goes back to the place field, so the next visit is typed at once.
document.addEventListener("htmx:afterSettle", function () {
  "use strict";
  var place = document.querySelector("#visit-form [name=place]");
  if (place) { place.focus(); }
});
