/* Printing: the maps are drawn again at their printed size (a print stylesheet in
   corridor.css gives them a fixed A4 height; Leaflet only draws what it knew the size of).
   Every Leaflet map made on the page is remembered; before printing (and when the print
   media starts or stops matching) each one re-measures its box, keeping its centre. */
(function () {
  "use strict";
  var maps = [];
  function hook() {
    if (!window.L || !L.Map || L.Map._cwPrintHook) { return !!(window.L && L.Map); }
    L.Map._cwPrintHook = true;
    L.Map.addInitHook(function () { maps.push(this); });
    return true;
  }
  if (!hook()) {
    var tries = 0, timer = setInterval(function () {
      if (hook() || ++tries > 200) { clearInterval(timer); }
    }, 25);
  }
  function redraw() {
    maps.forEach(function (m) {
      if (m._container && document.body.contains(m._container)) {
        m.invalidateSize({ pan: false, animate: false });
      }
    });
  }
  window.addEventListener("beforeprint", redraw);
  window.addEventListener("afterprint", redraw);
  var query = window.matchMedia && window.matchMedia("print");
  if (query) {
    var follow = function () { setTimeout(redraw, 0); };
    if (query.addEventListener) { query.addEventListener("change", follow); }
    else if (query.addListener) { query.addListener(follow); }
  }
})();
