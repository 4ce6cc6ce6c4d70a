/* The period travels with the official: a link to another dashboard page that names no
   period of its own gets the period of the page it is followed from (`from`, `to` in the
   address), so the node, port, coverage and KPI pages show the period chosen on the map.
   Done when the pointer or keyboard reaches the link, so a click, a middle click, "open in
   new tab" and "copy link" all get it. */
(function () {
  function carry(event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.origin !== window.location.origin) { return; }
    if (link.pathname.indexOf("/dash/") !== 0) { return; }
    var here = new URLSearchParams(window.location.search);
    var from = here.get("from"), to = here.get("to");
    if (!from || !to) { return; }
    var there = new URLSearchParams(link.search);
    if (there.has("from") || there.has("to")) { return; }
    there.set("from", from);
    there.set("to", to);
    link.search = "?" + there.toString();
  }
  document.addEventListener("mousedown", carry, true);
  document.addEventListener("focusin", carry, true);
  document.addEventListener("touchstart", carry, { capture: true, passive: true });
})();
