/* Map styling functions for the Corridor Watch Dash app (referenced by name from Python:
   {"variable": "corridorMap.<name>"}). No network access: everything is drawn locally.
   Every value that reaches HTML (names, codes, colours) is escaped: feature properties come
   from the database, which users edit. */
window.corridorMap = (function () {
  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }
  function num(value, fallback) {
    var n = Number(value);
    return isFinite(n) ? n : fallback;
  }
  function colour(value, fallback) {
    // Only colours as the server writes them: #rgb/#rrggbb or rgb(r,g,b).
    var text = String(value || "");
    return /^(#[0-9a-fA-F]{3,6}|rgb\(\d{1,3},\d{1,3},\d{1,3}\))$/.test(text) ? text : fallback;
  }
  // Node names show from zoom 7 on (a class on the map's container, kept by zoom).
  var LABEL_ZOOM = 7;
  function labelsByZoom(map) {
    if (!map || map._cwLabels) { return; }
    map._cwLabels = true;
    var follow = function () {
      map.getContainer().classList.toggle("cw-labels", map.getZoom() >= LABEL_ZOOM);
    };
    map.on("zoomend", follow);
    follow();
  }
  // The opening view: the box the page names (#overview-opening), fitted once, when the
  // first node is drawn (the map has its final size by then).
  function fitOpening(map) {
    if (!map || map._cwFitted) { return; }
    map._cwFitted = true;
    var holder = document.getElementById("overview-opening");
    var text = holder && holder.getAttribute("data-bounds");
    if (!text) { return; }
    try {
      var box = JSON.parse(text);
      map.invalidateSize();
      map.fitBounds(box, { padding: [4, 4], animate: false });
    } catch (err) { /* a malformed box: keep the view */ }
  }
  function shortName(name) {
    // "Chongqing (municipality; ...)" -> "Chongqing": the label's room is small.
    var text = String(name), cut = text.search(/\s[(（]/);
    return cut > 0 ? text.slice(0, cut) : text;
  }
  function markerSize(teu) {
    if (!teu) { return 12; }
    return Math.max(12, Math.min(40, 8 + 5 * Math.log10(teu / 1000 + 1)));
  }
  return {
    esc: esc,
    markerSize: markerSize,
    routeStyle: function (feature, context) {
      var p = feature.properties, colours = (context.hideout || {}).modeColours || {};
      return {
        color: colours[p.mode] || "#555", weight: p.branch ? 2 : 3.5, opacity: 0.9,
        dashArray: p.schematic ? "6 5" : null
      };
    },
    nodeMarker: function (feature, latlng, context) {
      var p = feature.properties, size = markerSize(num(p.latest_teu, 0));
      var stackSize = num(p.stack_size, 1), stackIndex = num(p.stack_index, 0);
      var angle = stackSize > 1 ? (2 * Math.PI * stackIndex) / stackSize : 0;
      var spread = stackSize > 1 ? size * 0.75 : 0;
      var dx = Math.round(Math.cos(angle) * spread), dy = Math.round(Math.sin(angle) * spread);
      var kind = String(p.kind || "").replace(/[^a-z_]/g, "");
      var html = '<div class="cw-node cw-kind-' + kind + (p.congested ? ' cw-congested' : '') +
        '" data-code="' + esc(p.code) + '" role="img" aria-label="' + esc(p.label) +
        '" style="width:' + size +
        'px;height:' + size + 'px;background:' + colour(p.colour, "#9aa5b1") + ';"></div>' +
        (stackIndex === 0 ? '<span class="cw-node-label" style="left:' + (size + 3) +
          'px;top:' + Math.round(size / 2 - 8) + 'px">' + esc(shortName(p.name || p.code)) +
          (stackSize > 1 ? " +" + (stackSize - 1) : "") + '</span>' : "");
      var icon = L.divIcon({ html: html, className: "cw-node-icon",
        iconSize: [size, size], iconAnchor: [size / 2 - dx, size / 2 - dy] });
      var marker = L.marker(latlng, { icon: icon, riseOnHover: true, zIndexOffset: num(p.z, 0) });
      marker.on("add", function (e) {
        labelsByZoom(e.target._map);
        fitOpening(e.target._map);
        // Keyboard: Enter or Space on the focused node opens it as a click does (Leaflet's
        // own Enter fires a click that does not reach the layer's listeners).
        var el = e.target.getElement();
        if (el && !el._cwKeys) {
          el._cwKeys = true;
          el.addEventListener("keydown", function (ev) {
            if (ev.key !== "Enter" && ev.key !== " ") { return; }
            ev.preventDefault();
            ev.stopPropagation();
            var node = el.querySelector(".cw-node");
            if (node) { node.click(); }
          });
        }
      });
      return marker;
    },
    nodeTooltip: function (feature, layer) {
      // The hover: the node's name and its headline figure for the period.
      var p = feature.properties;
      layer.bindTooltip('<strong>' + esc(p.label) + '</strong><br>' + esc(p.headline),
        { direction: "top", className: "cw-node-tip" });
    },
    // Basemap place names (countries, islands) as text in the page's language: the
    // standard Chinese name in zh-Hans, its English form otherwise.
    basemapLabel: function (feature, latlng) {
      var p = feature.properties || {};
      var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
      var text = zh && p.name_zh ? p.name_zh : p.name;
      var kind = /^[a-z]+$/.test(String(p.kind || "")) ? p.kind : "place";
      return L.marker(latlng, {
        icon: L.divIcon({ className: "cw-basemap-label cw-basemap-" + kind,
          html: '<span>' + esc(text) + '</span>', iconSize: null }),
        interactive: false, keyboard: false
      });
    },
    gapMarker: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 15, color: "#d6336c", weight: 2.5,
        dashArray: "4 3", fill: false, className: "cw-gap" });
    },
    gapTooltip: function (feature, layer) {
      var p = feature.properties, lacks = Array.isArray(p.lacks) ? p.lacks : [];
      layer.bindTooltip('<strong>' + esc(p.label) + '</strong><br>' + esc(p.heading) +
        '<br>' + lacks.map(esc).join("<br>"), { sticky: true, className: "cw-gap-tip" });
    },
    // The traffic-density overlay: the OGC API's vector tiles of positions (a density grid
    // below zoom 11, the positions from it) drawn by Leaflet.VectorGrid, loaded from this
    // site the first time the overlay is shown. The one feature of the overlay's data
    // carries the tile address of the period (a new period is a new feature, a new layer).
    densityLayer: function (feature, latlng, context) {
      var p = feature.properties || {}, group = L.layerGroup();
      function add() {
        if (!L.vectorGrid) { return; }
        var max = Math.max(num(p.busiest, 1), 1);
        var layer = L.vectorGrid.protobuf(String(p.tiles), {
          maxNativeZoom: 18, interactive: false, pane: "overlayPane",
          vectorTileLayerStyles: {
            positions: function (props, zoom) {
              if (props.positions !== undefined) {  // a density cell
                var share = Math.log(1 + num(props.positions, 0)) / Math.log(1 + max);
                return { fill: true, fillColor: share > 0.66 ? "#b2182b" : share > 0.33 ? "#ef8a62" : "#fddbc7",
                  fillOpacity: 0.35 + 0.45 * share, stroke: false };
              }
              return { radius: 2, fill: true, fillColor: "#b2182b", fillOpacity: 0.7, stroke: false };
            }
          }
        });
        layer.getContainer && group.addLayer(layer);
        group.cwDensity = layer;
      }
      if (window.L && L.vectorGrid) {
        add();
      } else {
        var script = document.querySelector("script[data-cw-vectorgrid]");
        if (!script) {
          script = document.createElement("script");
          script.src = String(p.script);
          script.setAttribute("data-cw-vectorgrid", "1");
          document.head.appendChild(script);
        }
        script.addEventListener("load", add);
      }
      return group;
    },
    vesselMarker: function (feature, latlng, context) {
      var p = feature.properties, colours = (context.hideout || {}).typeColours || {};
      var fill = colour(colours[p.g], "#555");
      var dir = num(p.dir, null), sog = num(p.sog, null);
      var moving = sog !== null && sog > 0.5 && dir !== null;
      var html = moving
        ? '<svg class="cw-vessel" data-mmsi="' + esc(p.mmsi) + '" width="16" height="16" ' +
          'viewBox="-8 -8 16 16" style="transform:rotate(' + dir + 'deg)">' +
          '<path d="M0,-7 L5,6 L0,3 L-5,6 Z" fill="' + fill + '" stroke="#1d2733" ' +
          'stroke-width="1"/></svg>'
        : '<div class="cw-vessel cw-vessel-still" data-mmsi="' + esc(p.mmsi) +
          '" style="background:' + fill + '"></div>';
      var icon = L.divIcon({ html: html, className: "cw-vessel-icon", iconSize: [16, 16],
        iconAnchor: [8, 8] });
      return L.marker(latlng, { icon: icon, title: String(p.name || ""), zIndexOffset: -100 });
    },
    trainMarker: function (feature, latlng) {
      var p = feature.properties;
      var cls = String(p.delay_class || "").replace(/[^a-z_]/g, "");
      var late = num(p.delay_min, 0);
      var title = String(p.train || "") + " · " + (late > 0 ? "+" + late + " min" : "on time");
      var html = '<div class="cw-train cw-delay-' + cls + '" data-train="' + esc(p.train) +
        '" data-id="' + esc(p.id) + '" title="' + esc(title) + '" style="background:' +
        colour(p.colour, "#2b8a3e") + '"></div>';
      var icon = L.divIcon({ html: html, className: "cw-train-icon", iconSize: [14, 14],
        iconAnchor: [7, 7] });
      return L.marker(latlng, { icon: icon, title: title, zIndexOffset: 200 });
    },
    fenceStyle: function (feature) {
      var kind = feature.properties.kind;
      var stroke = kind === "berth" ? "#1971c2" : kind === "anchorage" ? "#f59f00" : "#495057";
      return { color: stroke, weight: 2, fillOpacity: kind === "port_limit" ? 0.05 : 0.2,
               dashArray: feature.properties.approximate ? "5 4" : null };
    },
    segmentTooltip: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(esc(p.route) + " " + esc(p.from_node) + " → " + esc(p.to_node) + " (" +
        esc(p.mode) + ", " + Math.round(num(p.length_m, 0) / 1000) + " km" +
        (p.schematic ? ", schematic" : "") + ")", { sticky: true });
    }
  };
})();
