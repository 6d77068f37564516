"""The small browser runtime every map carries: overlays, GCJ-02 display shift, search, legend.

Kept as plain JavaScript/CSS text so that a map stays a single self-contained HTML file.
Everything from data reaches the page as JSON (escaped by the template's ``tojson``) and
is put into the DOM with ``textContent`` or as HTML that Python already escaped, so a
place name containing ``<script>`` renders as text.

``window.corridor`` exposes the state the browser tests inspect (``system``,
``features``, ``setSystem``, ``search``).
"""

from __future__ import annotations

#: JavaScript defining ``window.corridor``.  It touches ``L`` only inside functions, so it
#: may load before Leaflet.
RUNTIME_JS = r"""
window.corridor = (function () {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  var state = {map: null, system: "wgs84", overlays: [], features: {}, index: [], groups: {}};

  function inChina(lon, lat) {
    return lon > 72.004 && lon < 137.8347 && lat > 0.8293 && lat < 55.8271;
  }
  // Forward WGS-84 -> GCJ-02 (the published formula, as geo.crs._gcj_offsets).
  function gcjOffset(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, sx = Math.sqrt(Math.abs(x));
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
      + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
      + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
      + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
      + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(rad) * Math.sin(rad), sm = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sm) * PI);
    dlon = (dlon * 180.0) / (A / sm * Math.cos(rad) * PI);
    return [dlon, dlat];
  }
  function wgsToGcj(ll) {
    if (!inChina(ll.lng, ll.lat)) { return L.latLng(ll.lat, ll.lng); }
    var o = gcjOffset(ll.lng, ll.lat);
    return L.latLng(ll.lat + o[1], ll.lng + o[0]);
  }
  function copy(ll) { return L.latLng(ll.lat, ll.lng); }
  function mapDeep(x, fn) {
    return Array.isArray(x) ? x.map(function (y) { return mapDeep(y, fn); }) : fn(x);
  }

  // Move one layer's coordinates into `system`, keeping the WGS-84 originals to restore.
  function shiftLayer(layer, system) {
    if (layer instanceof L.Polyline) {
      if (layer._corridorSystem === system) { return; }
      if (!layer._corridorWgs) { layer._corridorWgs = mapDeep(layer.getLatLngs(), copy); }
      layer.setLatLngs(mapDeep(layer._corridorWgs, system === "gcj02" ? wgsToGcj : copy));
      layer._corridorSystem = system;
    } else if (layer instanceof L.ImageOverlay) {
      if (layer._corridorSystem === system) { return; }
      if (!layer._corridorWgs) {
        var b = layer.getBounds();
        layer._corridorWgs = [copy(b.getSouthWest()), copy(b.getNorthEast())];
      }
      var f = system === "gcj02" ? wgsToGcj : copy;
      layer.setBounds(L.latLngBounds(f(layer._corridorWgs[0]), f(layer._corridorWgs[1])));
      layer._corridorSystem = system;
    } else if (layer.getLatLng && layer.setLatLng) {
      if (layer._corridorSystem === system) { return; }
      if (!layer._corridorWgs) { layer._corridorWgs = copy(layer.getLatLng()); }
      layer.setLatLng((system === "gcj02" ? wgsToGcj : copy)(layer._corridorWgs));
      layer._corridorSystem = system;
    } else if (layer.eachLayer) {
      layer.eachLayer(function (child) { shiftLayer(child, system); });
    }
  }
  function setSystem(system) {
    state.system = system;
    state.overlays.forEach(function (layer) { shiftLayer(layer, system); });
    return system;
  }

  function register(group, parent, key) {
    state.overlays.push(group);
    if (key) { state.groups[key] = parent; }
    if (state.system !== "wgs84") { shiftLayer(group, state.system); }
    group.addTo(parent);
    return group;
  }
  function addGeoJson(parent, data, opts) {
    var base = opts.style || {};
    var group = L.geoJSON(data, {
      attribution: opts.attribution,
      style: function (f) { return L.extend({}, base, (f.properties && f.properties._style) || {}); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, L.extend({radius: 6}, base, (f.properties && f.properties._style) || {}));
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380}); }
        if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
        if (p.id !== undefined && p.id !== null) { state.features[p.id] = layer; }
        if (p._search) { state.index.push({label: p._search, id: p.id, layer: layer, parent: parent}); }
      }
    });
    return register(group, parent, opts.legend_key);
  }
  function addImage(parent, url, bounds, opts) {
    return register(L.imageOverlay(url, bounds, opts || {}), parent, (opts || {}).legend_key);
  }

  // Show a legend row only while its layer is on the map, so a map with many optional
  // layers keeps a short legend.  Rows whose layer is unknown stay visible.
  function refreshLegend() {
    var map = state.map;
    if (!map) { return; }
    var rows = document.querySelectorAll(".corridor-legend-item");
    Array.prototype.forEach.call(rows, function (row) {
      var key = (row.getAttribute("data-layer") || "").replace(/-no-data$/, "");
      var group = state.groups[key];
      row.style.display = !group || map.hasLayer(group) ? "" : "none";
    });
  }

  function search(query) {
    var q = (query || "").trim().toLowerCase();
    if (!q) { return []; }
    return state.index.filter(function (e) { return e.label.toLowerCase().indexOf(q) >= 0; });
  }
  function goTo(entry) {
    var map = state.map;
    if (entry.parent && !map.hasLayer(entry.parent)) { map.addLayer(entry.parent); }
    var layer = entry.layer;
    if (layer.getBounds) { map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [40, 40]}); }
    else if (layer.getLatLng) { map.setView(layer.getLatLng(), 16); }
    if (layer.openPopup) { layer.openPopup(); }
  }

  function el(tag, cls, parent, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function swatch(parent, item) {
    var s = el("span", "corridor-swatch corridor-swatch-" + item.shape, parent);
    var st = item.style || {};
    if (item.shape === "line") {
      s.style.borderTop = (st.weight || 3) + "px " + (st.dashArray ? "dashed " : "solid ") + (st.color || "#333");
    } else {
      s.style.background = st.fillColor || st.color || "#888";
      s.style.opacity = item.shape === "point" ? 1 : Math.max(0.35, st.fillOpacity === undefined ? 0.4 : st.fillOpacity);
      s.style.border = "2px " + (st.dashArray ? "dashed " : "solid ") + (st.color || "#333");
    }
    return s;
  }

  function buildControls(map, config) {
    var Info = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var div = el("div", "corridor-info leaflet-bar");
        el("div", "corridor-title", div, config.title);
        if (config.subtitle) { el("div", "corridor-subtitle", div, config.subtitle); }
        (config.summary || []).forEach(function (line) { el("div", "corridor-summary", div, line); });
        (config.notes || []).forEach(function (line) { el("div", "corridor-note", div, line); });
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    var Legend = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () {
        var div = el("div", "corridor-legend leaflet-bar");
        el("div", "corridor-legend-title", div, "图例 Legend");
        (config.legend || []).forEach(function (item) {
          var row = el("div", "corridor-legend-item", div);
          row.setAttribute("data-layer", item.layer);
          if (item.ramp) {
            el("div", "corridor-legend-caption", row, item.label);
            var bar = el("div", "corridor-ramp", row);
            bar.style.background = "linear-gradient(to right, " + item.ramp.colors.join(", ") + ")";
            var ticks = el("div", "corridor-ramp-ticks", row);
            el("span", "", ticks, item.ramp.min_label);
            el("span", "", ticks, item.ramp.max_label);
          } else {
            swatch(row, item);
            el("span", "corridor-legend-label", row, item.label);
          }
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    var Search = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var div = el("div", "corridor-search leaflet-bar");
        var input = el("input", "corridor-search-input", div);
        input.type = "search";
        input.placeholder = "搜索地名 Search places";
        input.setAttribute("aria-label", "Search places");
        var list = el("ul", "corridor-search-results", div);
        function show() {
          list.textContent = "";
          search(input.value).slice(0, 10).forEach(function (entry) {
            var li = el("li", "", list, entry.label);
            L.DomEvent.on(li, "click", function () {
              input.value = entry.label; list.textContent = ""; goTo(entry);
            });
          });
        }
        L.DomEvent.on(input, "input", show);
        L.DomEvent.on(input, "keydown", function (ev) {
          if (ev.key === "Enter" && list.firstChild) { list.firstChild.click(); }
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    new Search().addTo(map);
    new Info().addTo(map);
    new Legend().addTo(map);
  }

  function init(map, config) {
    state.map = map;
    buildControls(map, config);
    map.on("baselayerchange", function (e) {
      setSystem(e.layer && e.layer.options && e.layer.options.gcj02 ? "gcj02" : "wgs84");
    });
    if (config.initial_system && config.initial_system !== "wgs84") { setSystem(config.initial_system); }
    map.on("overlayadd overlayremove", refreshLegend);
    map.whenReady(function () { setTimeout(refreshLegend, 0); });
  }

  return {state: state, init: init, addGeoJson: addGeoJson, addImage: addImage, setSystem: setSystem,
    refreshLegend: refreshLegend,
          search: search, goTo: goTo, wgsToGcj: wgsToGcj,
          get system() { return state.system; }, get features() { return state.features; }};
})();
"""

RUNTIME_CSS = """
.leaflet-control-layers-expanded { max-height: 52vh; overflow-y: auto; font-size: 12px; }
.corridor-info { background: rgba(255,255,255,0.94); padding: 6px 10px; max-width: 340px;
  font: 13px/1.35 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.corridor-title { font-weight: 700; font-size: 15px; }
.corridor-subtitle { color: #444; margin-top: 2px; }
.corridor-summary { margin-top: 3px; }
.corridor-note { margin-top: 3px; color: #8a5a00; font-size: 11px; }
.corridor-legend { background: rgba(255,255,255,0.94); padding: 6px 10px; max-width: 340px;
  max-height: 45vh; overflow-y: auto; font: 12px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.corridor-legend-title { font-weight: 700; margin-bottom: 3px; }
.corridor-legend-item { display: block; margin: 2px 0; }
.corridor-swatch { display: inline-block; width: 18px; height: 12px; margin-right: 6px;
  vertical-align: middle; box-sizing: border-box; }
.corridor-swatch-line { height: 0; margin-bottom: 3px; }
.corridor-swatch-point { width: 12px; border-radius: 50%; }
.corridor-ramp { height: 10px; width: 200px; margin-top: 2px; }
.corridor-ramp-ticks { display: flex; justify-content: space-between; width: 200px; font-size: 11px; }
.corridor-search { background: #fff; }
.corridor-search-input { width: 210px; padding: 5px 6px; border: 0; font-size: 13px; }
.corridor-search-results { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow-y: auto; }
.corridor-search-results li { padding: 4px 6px; cursor: pointer; border-top: 1px solid #eee; font-size: 12px; }
.corridor-search-results li:hover { background: #eef3fb; }
.corridor-popup h4 { margin: 0 0 4px; font-size: 14px; }
.corridor-popup .en { color: #555; font-size: 12px; margin-bottom: 4px; }
.corridor-popup table { border-collapse: collapse; font-size: 12px; }
.corridor-popup td, .corridor-popup th { border-top: 1px solid #e4e4e4; padding: 2px 4px; vertical-align: top;
  text-align: left; }
.corridor-popup .meta { color: #555; font-size: 11px; margin-top: 4px; }
"""
