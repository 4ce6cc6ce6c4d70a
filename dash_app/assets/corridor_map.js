/* Map styling functions for the Corridor Watch Dash app (referenced by name from Python:
   {"variable": "corridorMap.<name>"}). No network access: everything is drawn locally. */
window.corridorMap = (function () {
  function coverageColour(score, assessed) {
    if (!assessed) { return "#9aa5b1"; }           // no evidence recorded: grey
    var stops = [[0, [215, 48, 39]], [0.25, [252, 141, 89]], [0.5, [254, 224, 139]],
                 [0.75, [145, 207, 96]], [1, [26, 152, 80]]];
    for (var i = 1; i < stops.length; i++) {
      if (score <= stops[i][0]) {
        var a = stops[i - 1], b = stops[i], t = (score - a[0]) / (b[0] - a[0]);
        var c = a[1].map(function (v, k) { return Math.round(v + t * (b[1][k] - v)); });
        return "rgb(" + c.join(",") + ")";
      }
    }
    return "rgb(26,152,80)";
  }
  function markerSize(teu) {
    if (!teu) { return 12; }
    return Math.max(12, Math.min(40, 8 + 5 * Math.log10(teu / 1000 + 1)));
  }
  return {
    coverageColour: coverageColour,
    markerSize: markerSize,
    routeStyle: function (feature, context) {
      var p = feature.properties, colours = (context.hideout || {}).modeColours || {};
      return {
        color: colours[p.mode] || "#555", weight: p.branch ? 2 : 3.5, opacity: 0.9,
        dashArray: p.schematic ? "6 5" : null
      };
    },
    nodeMarker: function (feature, latlng, context) {
      var p = feature.properties, size = markerSize(p.latest_teu);
      var angle = p.stack_size > 1 ? (2 * Math.PI * p.stack_index) / p.stack_size : 0;
      var spread = p.stack_size > 1 ? size * 0.75 : 0;
      var dx = Math.round(Math.cos(angle) * spread), dy = Math.round(Math.sin(angle) * spread);
      var html = '<div class="cw-node cw-kind-' + p.kind + (p.congested ? ' cw-congested' : '') +
        '" data-code="' + p.code + '" ' +
        'title="' + p.label.replace(/"/g, "&quot;") + '" style="width:' + size + 'px;height:' +
        size + 'px;background:' + coverageColour(p.coverage_score, p.coverage_assessed) +
        ';"></div>';
      var icon = L.divIcon({ html: html, className: "cw-node-icon",
        iconSize: [size, size], iconAnchor: [size / 2 - dx, size / 2 - dy] });
      return L.marker(latlng, { icon: icon, title: p.label, riseOnHover: true,
        zIndexOffset: p.z || 0 });
    },
    vesselMarker: function (feature, latlng, context) {
      var p = feature.properties, colours = (context.hideout || {}).typeColours || {};
      var colour = colours[p.g] || "#555";
      var moving = p.sog !== null && p.sog > 0.5 && p.dir !== null;
      var html = moving
        ? '<svg class="cw-vessel" data-mmsi="' + p.mmsi + '" width="16" height="16" ' +
          'viewBox="-8 -8 16 16" style="transform:rotate(' + p.dir + 'deg)">' +
          '<path d="M0,-7 L5,6 L0,3 L-5,6 Z" fill="' + colour + '" stroke="#1d2733" ' +
          'stroke-width="1"/></svg>'
        : '<div class="cw-vessel cw-vessel-still" data-mmsi="' + p.mmsi + '" style="background:' +
          colour + '"></div>';
      var icon = L.divIcon({ html: html, className: "cw-vessel-icon", iconSize: [16, 16],
        iconAnchor: [8, 8] });
      return L.marker(latlng, { icon: icon, title: p.name, zIndexOffset: -100 });
    },
    fenceStyle: function (feature) {
      var kind = feature.properties.kind;
      var colour = kind === "berth" ? "#1971c2" : kind === "anchorage" ? "#f59f00" : "#495057";
      return { color: colour, weight: 2, fillOpacity: kind === "port_limit" ? 0.05 : 0.2,
               dashArray: feature.properties.approximate ? "5 4" : null };
    },
    segmentTooltip: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip(p.route + " " + p.from_node + " → " + p.to_node + " (" + p.mode +
        ", " + Math.round(p.length_m / 1000) + " km" + (p.schematic ? ", schematic" : "") + ")",
        { sticky: true });
    }
  };
})();
