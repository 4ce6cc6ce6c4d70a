/* Wall mode for a 1920x1080 screen: `?wall=1` (and `&every=30`, seconds) hides the
   controls and cycles the pages: the corridor map, coverage, Qinzhou's port page and the
   east channel's KPIs. No network beyond this site. */
(function () {
  var params = new URLSearchParams(window.location.search);
  if (params.get("wall") !== "1") { return; }
  var every = Math.max(10, Math.min(600, Number(params.get("every")) || 30));
  var pages = ["/dash/", "/dash/coverage", "/dash/port/QZ_PORT", "/dash/route/E"];
  document.documentElement.classList.add("cw-wall");
  var here = pages.indexOf(window.location.pathname);
  var next = pages[(here + 1) % pages.length];
  var keep = new URLSearchParams({ wall: "1", every: String(every) });
  ["from", "to", "lang"].forEach(function (name) {
    if (params.get(name)) { keep.set(name, params.get(name)); }  // the period stays on the wall
  });
  window.setTimeout(function () {
    window.location.href = next + "?" + keep.toString();
  }, every * 1000);
})();
