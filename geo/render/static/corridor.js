window.corridor = (function () {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  var state = {map: null, system: "wgs84", overlays: [], features: {}, index: [], groups: {}, labels: [],
               data: {}, config: {}, dashboard: null};

  // ------------------------------------------------------------------ GCJ-02 display shift
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

  // ------------------------------------------------------------------ small helpers
  function el(tag, cls, parent, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  // Same rule as geo.render.search.normalise: lower case, no spaces or punctuation.
  var STRIP = /[\s·•・,，、;；:：()（）\[\]【】\-_\/\\.。'"“”‘’《》<>|]+/g;
  function normalise(text) { return String(text || "").replace(STRIP, "").toLowerCase(); }
  function popupOptions() {
    var small = window.innerWidth < 700;
    return {maxWidth: Math.min(380, window.innerWidth - 90), minWidth: small ? 200 : 50,
            maxHeight: Math.max(200, Math.min(560, Math.round(window.innerHeight * (small ? 0.5 : 0.62)))),
            autoPanPaddingTopLeft: small ? [10, 70] : [60, 20], autoPanPaddingBottomRight: [20, 20]};
  }
  function hexToRgb(h) { h = h.replace("#", ""); return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); }); }
  function rampColour(colors, t) {
    t = Math.max(0, Math.min(1, t));
    var n = colors.length - 1, i = Math.min(n - 1, Math.floor(t * n)), f = t * n - i;
    var a = hexToRgb(colors[i]), b = hexToRgb(colors[i + 1]);
    return "#" + [0, 1, 2].map(function (k) {
      var v = Math.round(a[k] + (b[k] - a[k]) * f).toString(16); return v.length < 2 ? "0" + v : v;
    }).join("");
  }

  // ------------------------------------------------------------------ overlays
  function register(group, parent, key) {
    state.overlays.push(group);
    if (key && !state.groups[key]) { state.groups[key] = parent; }
    if (state.system !== "wgs84") { shiftLayer(group, state.system); }
    group.addTo(parent);
    return group;
  }
  function addGeoJson(parent, data, opts) {
    var base = opts.style || {};
    var key = opts.legend_key;
    state.data[key] = data;
    var halos = [];
    var group = L.geoJSON(data, {
      attribution: opts.attribution,
      style: function (f) { return L.extend({}, base, (f.properties && f.properties._style) || {}); },
      pointToLayer: function (f, latlng) {
        if (f.properties && f.properties._halo) {
          halos.push(L.circle(latlng, {radius: f.properties._halo, color: base.color || "#555", weight: 1, opacity: 0.45,
            dashArray: "2 4", fillColor: base.fillColor || base.color || "#888", fillOpacity: 0.04, interactive: false}));
        }
        return L.circleMarker(latlng, L.extend({radius: 6}, base, (f.properties && f.properties._style) || {}));
      },
      onEachFeature: function (f, layer) {
        var p = f.properties || {};
        if (p._popup && !opts.travel_mode) { layer.bindPopup(p._popup, popupOptions()); }
        if (opts.travel_mode) { layer.on("click", function (e) { L.DomEvent.stopPropagation(e); travelPopup(e.latlng); }); }
        if (p._tooltip) { layer.bindTooltip(p._tooltip, {sticky: true}); }
        if (p.id !== undefined && p.id !== null) { state.features[p.id] = layer; }
        if (p._search) {
          state.index.push({label: p._search, keys: (p._keys || "").split("|"), id: p.id, layer: layer,
                            parent: parent, row: p._row || {}, feature: f, key: key});
        }
      }
    });
    if (halos.length) { register(L.layerGroup(halos), parent, null); }
    register(group, parent, key);
    if (opts.labels && opts.labels.length) { addLabels(parent, opts.labels); }
    return group;
  }
  function addImage(parent, url, bounds, opts) {
    return register(L.imageOverlay(url, bounds, opts || {}), parent, (opts || {}).legend_key);
  }

  // ------------------------------------------------------------------ labels
  function findMap() {
    if (state.map) { return state.map; }
    var key = Object.keys(window).filter(function (k) { return k.indexOf("map_") === 0 && window[k] instanceof L.Map; })[0];
    return key ? window[key] : null;
  }
  function ensureLabelPane(map) {
    if (map && !map.getPane("corridorLabels")) {
      var pane = map.createPane("corridorLabels");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
    }
  }
  function addLabels(parent, labels) {
    ensureLabelPane(findMap());
    var markers = labels.map(function (lab) {
      var span = el("span", "corridor-label-text", null, lab.text);
      var icon = L.divIcon({className: "corridor-label corridor-label-" + lab.shape, html: span, iconSize: null});
      var m = L.marker([lab.lat, lab.lng], {icon: icon, interactive: false, keyboard: false, pane: "corridorLabels"});
      m._corridorLabel = lab;
      state.labels.push(m);
      return m;
    });
    register(L.layerGroup(markers), parent, null);
  }
  function rectsOverlap(a, b) {
    return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
  }
  // Show labels by priority from their min zoom on; hide any that would overlap one already shown.
  function placeLabels() {
    var map = state.map;
    if (!map) { return; }
    var zoom = map.getZoom(), placed = [];
    var live = state.labels.filter(function (m) { return m._icon; });
    live.sort(function (a, b) { return a._corridorLabel.priority - b._corridorLabel.priority; });
    live.forEach(function (m) {
      var lab = m._corridorLabel, node = m._icon;
      if (zoom < lab.minZoom) { node.style.visibility = "hidden"; node.classList.remove("shown"); return; }
      node.style.visibility = "hidden";
      var r = node.firstChild.getBoundingClientRect();
      var box = {left: r.left - 3, right: r.right + 3, top: r.top - 2, bottom: r.bottom + 2};
      var clash = placed.some(function (p) { return rectsOverlap(p, box); });
      node.style.visibility = clash ? "hidden" : "visible";
      node.classList.toggle("shown", !clash);
      if (!clash) { placed.push(box); }
    });
  }
  function visibleLabels() {
    return state.labels.filter(function (m) { return m._icon && m._icon.style.visibility === "visible"; })
      .map(function (m) { var r = m._icon.firstChild.getBoundingClientRect();
        return {text: m._corridorLabel.text, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; });
  }

  // ------------------------------------------------------------------ legend
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
  function swatch(parent, item) {
    var s = el("span", "corridor-swatch corridor-swatch-" + item.shape, parent);
    var st = item.style || {};
    if (item.shape === "line") {
      s.style.borderTop = (st.weight || 3) + "px " + (st.dashArray ? "dashed " : "solid ") + (st.color || "#333");
    } else {
      s.style.background = st.fillColor || st.color || "#888";
      s.style.opacity = item.shape === "point" ? 1 : Math.max(0.35, st.fillOpacity === undefined ? 0.4 : st.fillOpacity);
      if (st.fillOpacity === 0) { s.style.background = "transparent"; s.style.opacity = 1; }
      s.style.border = "2px " + (st.dashArray ? "dashed " : "solid ") + (st.color || "#333");
    }
    return s;
  }
  function legendItem(div, item) {
    var row = el("div", "corridor-legend-item", div);
    row.setAttribute("data-layer", item.layer);
    if (item.ramp) {
      el("div", "corridor-legend-caption", row, item.label);
      var bar = el("div", "corridor-ramp", row);
      bar.style.background = "linear-gradient(to right, " + item.ramp.colors.join(", ") + ")";
      var ticks = el("div", "corridor-ramp-ticks", row);
      (item.ramp.ticks || [[0, item.ramp.min_label], [1, item.ramp.max_label]]).forEach(function (t) {
        var s = el("span", "", ticks, t[1]);
        s.style.left = (t[0] * 100) + "%";
        s.style.transform = t[0] >= 1 ? "translateX(-100%)" : (t[0] > 0 ? "translateX(-50%)" : "none");
      });
      if (item.ramp.note) { el("div", "corridor-legend-note", row, item.ramp.note); }
    } else if (item.uncertainty) {
      el("div", "corridor-legend-caption", row, item.label);
      item.uncertainty.forEach(function (u) {
        var line = el("div", "corridor-unc-row", row);
        var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.setAttribute("width", "30"); svg.setAttribute("height", "8");
        var ln = document.createElementNS("http://www.w3.org/2000/svg", "line");
        ln.setAttribute("x1", "1"); ln.setAttribute("x2", "29"); ln.setAttribute("y1", "4"); ln.setAttribute("y2", "4");
        ln.setAttribute("stroke", "#333"); ln.setAttribute("stroke-width", "2");
        if (u.dash) { ln.setAttribute("stroke-dasharray", u.dash); }
        if (u.dash === "2 5") { ln.setAttribute("stroke-opacity", "0.6"); }
        svg.appendChild(ln); line.appendChild(svg);
        el("span", "corridor-legend-label", line, u.label);
      });
    } else {
      swatch(row, item);
      el("span", "corridor-legend-label", row, item.label);
    }
  }

  // ------------------------------------------------------------------ search
  function search(query) {
    var q = normalise(query);
    if (!q) { return []; }
    var scored = [];
    state.index.forEach(function (e) {
      var best = 9;
      e.keys.forEach(function (k) {
        if (!k) { return; }
        if (k === q) { best = Math.min(best, 0); }
        else if (k.indexOf(q) === 0) { best = Math.min(best, 1); }
        else if (k.indexOf(q) > 0) { best = Math.min(best, 2); }
      });
      if (best === 9 && normalise(e.label).indexOf(q) >= 0) { best = 3; }
      if (best < 9) { scored.push([best, e]); }
    });
    scored.sort(function (a, b) { return a[0] - b[0] || a[1].label.length - b[1].label.length; });
    return scored.map(function (s) { return s[1]; });
  }
  // Fly to a place and leave its popup open (opened once the view has settled).
  function goTo(entry) {
    var map = state.map, layer = entry.layer, opened = false;
    if (entry.parent && !map.hasLayer(entry.parent)) { map.addLayer(entry.parent); }
    function open() {
      if (opened) { return; }
      opened = true;
      if (layer.openPopup) { layer.openPopup(); }
      else if (layer.getBounds) { L.popup(popupOptions()).setLatLng(layer.getBounds().getCenter()).setContent("").openOn(map); }
    }
    map.once("moveend", function () { setTimeout(open, 30); });
    setTimeout(open, 900);
    if (layer.getBounds) { map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [60, 60]}); }
    else if (layer.getLatLng) { map.setView(layer.getLatLng(), Math.max(map.getZoom(), 15)); }
  }

  // ------------------------------------------------------------------ travel time (proximity)
  function inRing(pt, ring) {
    var x = pt[0], y = pt[1], inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }
  function inGeometry(pt, g) {
    var polys = g.type === "Polygon" ? [g.coordinates] : (g.type === "MultiPolygon" ? g.coordinates : []);
    return polys.some(function (rings) {
      return inRing(pt, rings[0]) && !rings.slice(1).some(function (h) { return inRing(pt, h); });
    });
  }
  // Smallest isochrone cut-off containing a (WGS-84) point, per mode; null where none does.
  function travelTimes(lat, lng) {
    var out = {}, modes = (state.config.travel || {}).modes || {};
    Object.keys(modes).forEach(function (mode) {
      var data = state.data[modes[mode]], best = null;
      ((data && data.features) || []).forEach(function (f) {
        var m = f.properties._value;
        if (m !== undefined && m !== null && (best === null || m < best) && inGeometry([lng, lat], f.geometry)) { best = m; }
      });
      out[mode] = best;
    });
    return out;
  }
  var MODE_NAMES = {walk: "步行 Walk", bike: "骑行 Bike", drive: "驾车 Drive"};
  function travelPopup(latlng) {
    var ll = latlng;
    if (state.system === "gcj02") {  // undo the display shift: isochrones are stored in WGS-84
      var g = wgsToGcj(latlng); ll = L.latLng(2 * latlng.lat - g.lat, 2 * latlng.lng - g.lng);
    }
    var times = travelTimes(ll.lat, ll.lng), div = el("div", "corridor-popup corridor-travel");
    el("h4", "", div, "到最近校园 To the nearest campus");
    var table = el("table", "figs", div);
    Object.keys(times).forEach(function (mode) {
      var tr = el("tr", "", table);
      el("th", "", tr, MODE_NAMES[mode] || mode);
      el("td", "", tr, times[mode] === null ? "> 15 min" : "≤ " + times[mode] + " min");
    });
    el("div", "meta", div, (state.config.travel || {}).note || "");
    L.popup(popupOptions()).setLatLng(latlng).setContent(div).openOn(state.map);
    return times;
  }

  // ------------------------------------------------------------------ attribute table and downloads
  function shownEntries() {
    var map = state.map;
    return state.index.filter(function (e) { return !e.parent || map.hasLayer(e.parent); });
  }
  function tableFilters() {
    var f = {};
    Array.prototype.forEach.call(document.querySelectorAll(".corridor-table select[data-filter]"), function (s) {
      if (s.value) { f[s.getAttribute("data-filter")] = s.value; }
    });
    return f;
  }
  function matches(e, f) {
    var r = e.row;
    return (!f.document || (r.documents || []).indexOf(f.document) >= 0)
      && (!f.horizon || (r.horizon_labels || []).indexOf(f.horizon) >= 0)
      && (!f.source || r.source === f.source) && (!f.kind || r.kind === f.kind)
      && (!f.layer || r.layer === f.layer);
  }
  function filteredRows() {
    var f = tableFilters();
    return shownEntries().filter(function (e) { return matches(e, f); });
  }
  var COLUMNS = [["name_zh", "名称"], ["name_en", "Name"], ["layer", "图层 Layer"], ["kind", "类型 Kind"],
    ["source", "来源 Source"], ["documents", "文献 Document"], ["horizon_labels", "期限 Horizon"], ["uncertainty_m", "± m"]];
  function cell(v) { return Array.isArray(v) ? v.join("; ") : (v === null || v === undefined ? "" : String(v)); }
  function csvText(entries) {
    var lines = [["id"].concat(COLUMNS.map(function (c) { return c[0]; }))];
    entries.forEach(function (e) { lines.push([e.id].concat(COLUMNS.map(function (c) { return cell(e.row[c[0]]); }))); });
    return "\ufeff" + lines.map(function (l) {
      return l.map(function (v) { v = String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }).join(",");
    }).join("\r\n") + "\r\n";
  }
  function geojsonText(entries) {
    return JSON.stringify({type: "FeatureCollection", features: entries.map(function (e) {
      var props = {id: e.id};
      COLUMNS.forEach(function (c) { props[c[0]] = e.row[c[0]] === undefined ? null : e.row[c[0]]; });
      return {type: "Feature", properties: props, geometry: e.feature.geometry};
    })});
  }
  function download(text, name, type) {
    var url = URL.createObjectURL(new Blob([text], {type: type}));
    var a = el("a", "", document.body); a.href = url; a.download = name; a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
    return url;
  }
  function fillTable() {
    var box = document.querySelector(".corridor-table");
    if (!box) { return; }
    var entries = shownEntries();
    var values = {document: {}, horizon: {}, source: {}, kind: {}, layer: {}};
    entries.forEach(function (e) {
      (e.row.documents || []).forEach(function (d) { values.document[d] = 1; });
      (e.row.horizon_labels || []).forEach(function (h) { values.horizon[h] = 1; });
      if (e.row.source) { values.source[e.row.source] = 1; }
      if (e.row.kind) { values.kind[e.row.kind] = 1; }
      if (e.row.layer) { values.layer[e.row.layer] = 1; }
    });
    Array.prototype.forEach.call(box.querySelectorAll("select[data-filter]"), function (s) {
      var keep = s.value, name = s.getAttribute("data-filter");
      s.textContent = "";
      el("option", "", s, s.getAttribute("data-all")).value = "";
      Object.keys(values[name]).sort().forEach(function (v) { el("option", "", s, v).value = v; });
      s.value = values[name][keep] ? keep : "";
    });
    var rows = filteredRows(), tbody = box.querySelector("tbody");
    tbody.textContent = "";
    rows.forEach(function (e) {
      var tr = el("tr", "", tbody);
      COLUMNS.forEach(function (c) { el("td", "", tr, cell(e.row[c[0]])); });
      tr.addEventListener("click", function () { goTo(e); });
    });
    box.querySelector(".corridor-table-count").textContent = rows.length + " / " + entries.length;
  }
  function buildTable() {
    var box = el("div", "corridor-table", document.body);
    box.setAttribute("aria-label", "Attribute table");
    var bar = el("div", "corridor-table-bar", box);
    el("b", "", bar, "属性表 Attribute table");
    [["layer", "全部图层 All layers"], ["document", "全部文献 All documents"], ["horizon", "全部期限 All horizons"],
     ["source", "全部来源 All sources"], ["kind", "全部类型 All kinds"]].forEach(function (f) {
      var s = el("select", "", bar); s.setAttribute("data-filter", f[0]); s.setAttribute("data-all", f[1]);
      s.setAttribute("aria-label", f[1]); s.addEventListener("change", fillTable);
    });
    el("span", "corridor-table-count", bar);
    var csv = el("button", "corridor-download-csv", bar, "下载 CSV");
    csv.addEventListener("click", function () { download(csvText(filteredRows()), state.config.map + ".csv", "text/csv;charset=utf-8"); });
    var gj = el("button", "corridor-download-geojson", bar, "下载 GeoJSON");
    gj.addEventListener("click", function () { download(geojsonText(filteredRows()), state.config.map + ".geojson", "application/geo+json"); });
    var close = el("button", "corridor-table-close", bar, "× 关闭 Close");
    close.addEventListener("click", function () { toggleTable(false); });
    var wrap = el("div", "corridor-table-wrap", box);
    var table = el("table", "", wrap);
    var tr = el("tr", "", el("thead", "", table));
    COLUMNS.forEach(function (c) { el("th", "", tr, c[1]); });
    el("tbody", "", table);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
  }
  function toggleTable(show) {
    var box = document.querySelector(".corridor-table");
    if (!box) { return; }
    show = show === undefined ? !box.classList.contains("open") : show;
    box.classList.toggle("open", show);
    if (show) { fillTable(); }
  }

  // ------------------------------------------------------------------ URL hash (view + layers)
  function writeHash() {
    var map = state.map, c = map.getCenter(), on = [];
    Object.keys(state.groups).forEach(function (k) { if (map.hasLayer(state.groups[k])) { on.push(k); } });
    var base = state.baseNames.filter(function (n) { return map.hasLayer(state.bases[n]); })[0] || "";
    var hash = "#map=" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5)
      + "&layers=" + on.map(encodeURIComponent).join(",") + (base ? "&base=" + encodeURIComponent(base) : "");
    if (window.location.hash !== hash) { history.replaceState(null, "", hash); }
  }
  function readHash() {
    var h = window.location.hash.replace(/^#/, ""), out = {};
    h.split("&").forEach(function (kv) { var i = kv.indexOf("="); if (i > 0) { out[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); } });
    return out;
  }
  function applyHash() {
    var h = readHash(), map = state.map;
    if (h.base && state.bases[h.base]) {
      state.baseNames.forEach(function (n) { if (n !== h.base && map.hasLayer(state.bases[n])) { map.removeLayer(state.bases[n]); } });
      if (!map.hasLayer(state.bases[h.base])) { map.addLayer(state.bases[h.base]); }
      setSystem(state.bases[h.base].options.gcj02 ? "gcj02" : "wgs84");
    }
    if (h.layers !== undefined) {
      var want = h.layers ? h.layers.split(",").map(decodeURIComponent) : [];
      Object.keys(state.groups).forEach(function (k) {
        var g = state.groups[k], on = want.indexOf(k) >= 0;
        if (on && !map.hasLayer(g)) { map.addLayer(g); }
        if (!on && map.hasLayer(g)) { map.removeLayer(g); }
      });
    }
    if (h.map) {
      var p = h.map.split("/").map(Number);
      if (p.length === 3 && p.every(isFinite)) { map.setView([p[1], p[2]], p[0], {animate: false}); }
    }
  }

  // ------------------------------------------------------------------ print
  function setPaper(size) {
    var style = document.getElementById("corridor-page-size") || el("style", "", document.head);
    style.id = "corridor-page-size";
    style.textContent = "@page { size: " + (size === "A3" ? "A3" : "A4") + " landscape; margin: 8mm; }";
    document.body.setAttribute("data-paper", size === "A3" ? "A3" : "A4");
  }
  function printMap() {
    var sel = document.querySelector(".corridor-paper");
    setPaper(sel ? sel.value : "A4");
    window.print();
  }

  // ------------------------------------------------------------------ land-supply dashboard
  // capacity = Σ land[c] × share[c] × FAR[c]  (as geo.analysis.land.capacity; missing classes take `other`)
  function capacityOf(zone, share, far) {
    var total = 0;
    Object.keys(zone.land).forEach(function (c) {
      var s = share[c] !== undefined ? share[c] : (share.other || 0);
      var f = far[c] !== undefined ? far[c] : (far.other || 0);
      total += zone.land[c] * s * f;
    });
    return total;
  }
  function compute(settings) {
    var d = state.config.dashboard, share = settings.share, far = settings.far;
    return d.zones.map(function (z) {
      var cap = capacityOf(z, share, far);
      var caps = Object.keys(d.scenarios).map(function (s) { return capacityOf(z, share, d.scenarios[s].far); }).concat([cap]);
      // floor space against floor space: existing stock (0 where unknown) + new capacity for a target,
      // new capacity alone for a planned addition; land against land as computed (null: unknown)
      var targets = z.targets.map(function (t) {
        var supply = t.kind === "land" ? t.supply_m2 : (t.status === "target" ? (t.stock_m2 || 0) : 0) + cap;
        var gap = supply === null || supply === undefined ? null : t.target_m2 - supply;
        return {horizon: t.horizon, figure: t.figure, kind: t.kind, status: t.status, target_m2: t.target_m2,
                supply_m2: supply, gap_m2: gap,
                gap_pct: gap !== null && t.target_m2 > 0 ? gap / t.target_m2 * 100 : null};
      });
      return {id: z.id, zone_id: z.zone_id, name_zh: z.name_zh, capacity_m2: cap,
              low_m2: Math.min.apply(null, caps), high_m2: Math.max.apply(null, caps), targets: targets};
    });
  }
  function defaultSettings() {
    var d = state.config.dashboard, far = {}, share = {};
    var scen = (d.scenarios[d.default_scenario] || {}).far || {};
    Object.keys(scen).forEach(function (k) { far[k] = scen[k]; });
    Object.keys(d.share).forEach(function (k) { share[k] = d.share[k]; });
    return {far: far, share: share};
  }
  function wan(m2) { return (m2 / 10000).toLocaleString("en-US", {maximumFractionDigits: 1}); }
  function mu(m2) { return Math.round(m2 * 15 / 10000).toLocaleString("en-US"); }
  function chosenTarget(r, horizon) {
    var ts = r.targets.filter(function (t) { return t.kind !== "land" && (!horizon || t.horizon === horizon); });
    return ts[0] || null;
  }
  function drawDashboard() {
    var dash = state.dashboard, d = state.config.dashboard;
    var results = compute(dash.settings);
    dash.results = results;
    var horizon = dash.horizon;
    // map colours: gap % of the chosen horizon's target; zones without one keep an outline only
    results.forEach(function (r) {
      var layer = state.features[r.id];
      if (!layer || !layer.setStyle) { return; }
      var t = chosenTarget(r, horizon);
      if (t && t.gap_pct !== null) {
        layer.setStyle({fillColor: rampColour(d.colors, (Math.max(-100, Math.min(100, t.gap_pct)) + 100) / 200),
                        fillOpacity: 0.65, color: "#333", dashArray: null});
      } else {
        layer.setStyle({fillOpacity: 0, color: "#777", dashArray: "3 4"});
      }
    });
    // table
    var tbody = document.querySelector(".dash-table tbody");
    if (tbody) {
      tbody.textContent = "";
      results.forEach(function (r) {
        var t = chosenTarget(r, horizon), tr = el("tr", "", tbody);
        var lands = t ? [] : r.targets.filter(function (x) { return x.kind === "land"; });
        tr.setAttribute("data-zone", r.zone_id);
        el("td", "", tr, r.name_zh);
        if (lands.length) {  // land figures (亩) against land (OSM industrial land), never floor space
          var sup = el("td", "num", tr, lands.map(function (l) {
            return l.supply_m2 === null || l.supply_m2 === undefined ? "—" : mu(l.supply_m2) + " 亩"; }).join("; "));
          sup.title = "用地 industrial land (OSM land use), as computed by corridor analyse";
          el("td", "num", tr, lands.map(function (l) { return mu(l.target_m2) + " 亩"; }).join("; "));
          el("td", "num", tr, lands.map(function (l) {
            if (l.gap_m2 === null) { return "未知 unknown (no land-use data)"; }
            return (l.gap_m2 > 0 ? "缺 " : "余 ") + mu(Math.abs(l.gap_m2)) + " 亩 (" + Math.round(l.gap_pct) + "%)";
          }).join("; "));
          return;
        }
        el("td", "num", tr, wan(r.capacity_m2) + " 万方");
        el("td", "num", tr, t ? wan(t.target_m2) + " 万方" : "—");
        el("td", "num" + (t ? (t.gap_m2 > 0 ? " short" : " surplus") : ""), tr,
           t ? (t.gap_m2 > 0 ? "缺 " : "余 ") + wan(Math.abs(t.gap_m2)) + " 万方 (" + Math.round(t.gap_pct) + "%)" : "—");
      });
    }
    // chart: zones with a floor-space target
    var box = document.querySelector(".dash-chart");
    if (!box) { return; }
    var rows = results.filter(function (r) { return r.targets.some(function (t) { return t.kind !== "land"; }); });
    var NS = "http://www.w3.org/2000/svg", W = 330, rowH = 44, H = rows.length * rowH + 24, left = 96;
    var max = 1;
    rows.forEach(function (r) { max = Math.max(max, r.high_m2); r.targets.forEach(function (t) { max = Math.max(max, t.target_m2); }); });
    var x = function (v) { return left + (W - left - 10) * v / max; };
    box.textContent = "";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H); svg.setAttribute("width", "100%");
    function add(tag, attrs, text) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text !== undefined) { n.textContent = text; }
      svg.appendChild(n); return n;
    }
    rows.forEach(function (r, i) {
      var y = 10 + i * rowH;
      add("text", {x: 0, y: y + 14, "font-size": 12}, r.name_zh.length > 8 ? r.name_zh.slice(0, 8) + "…" : r.name_zh);
      add("line", {x1: x(r.low_m2), x2: x(r.high_m2), y1: y + 10, y2: y + 10, stroke: "#555", "stroke-width": 1.5});
      add("rect", {x: left, y: y + 4, width: Math.max(1, x(r.capacity_m2) - left), height: 12, fill: "#74a9cf", "class": "dash-bar"});
      var labelled = false;  // one label per row (the chosen target's); every tick names itself on hover
      r.targets.filter(function (t) { return t.kind !== "land"; }).forEach(function (t) {
        var active = !horizon || t.horizon === horizon;
        var name = wan(t.target_m2) + " 万方 " + (t.horizon || "").split(" · ")[0];
        var tick = add("line", {x1: x(t.target_m2), x2: x(t.target_m2), y1: y, y2: y + 22,
                                stroke: active ? "#b2182b" : "#e7a0a8", "stroke-width": 3});
        var title = document.createElementNS(NS, "title"); title.textContent = name; tick.appendChild(title);
        if (active && !labelled) {
          labelled = true;
          add("text", {x: x(t.target_m2) + 3, y: y + 33, "font-size": 10, fill: "#b2182b"},
              name.length > 34 ? name.slice(0, 33) + "…" : name);
        }
      });
      var inside = x(r.capacity_m2) - left > 44;  // the value inside the bar when it fits, clear of the ticks
      add("text", {x: inside ? x(r.capacity_m2) - 3 : x(r.capacity_m2) + 4, y: y + 14, "font-size": 10,
                   fill: inside ? "#fff" : "#1f4e79", "text-anchor": inside ? "end" : "start", "class": "dash-value"},
          wan(r.capacity_m2));
    });
    add("text", {x: left, y: H - 2, "font-size": 10, fill: "#666"}, "0");
    add("text", {x: W - 10, y: H - 2, "font-size": 10, fill: "#666", "text-anchor": "end"}, wan(max) + " 万方");
    box.appendChild(svg);
  }
  function buildDashboard() {
    var d = state.config.dashboard, aside = document.querySelector(".corridor-dashboard");
    if (!d || !aside) { return; }
    document.body.classList.add("has-dashboard");
    state.dashboard = {settings: defaultSettings(), horizon: "", results: []};
    var horizons = [];
    d.zones.forEach(function (z) { z.targets.forEach(function (t) { if (t.kind !== "land" && t.horizon && horizons.indexOf(t.horizon) < 0) { horizons.push(t.horizon); } }); });
    var sel = aside.querySelector(".dash-horizon-select");
    el("option", "", sel, "各区域首个目标 First target of each zone").value = "";
    horizons.forEach(function (h) { el("option", "", sel, h).value = h; });
    sel.addEventListener("change", function () { state.dashboard.horizon = sel.value; drawDashboard(); });
    var sliders = aside.querySelector(".dash-sliders");
    function slider(kind, cls, label, min, max, step) {
      var row = el("label", "dash-slider", sliders);
      el("span", "dash-slider-label", row, label);
      var input = el("input", "", row); input.type = "range"; input.min = min; input.max = max; input.step = step;
      input.setAttribute("data-kind", kind); input.setAttribute("data-class", cls);
      var out = el("output", "", row);
      function value() { var s = state.dashboard.settings[kind]; return s[cls] !== undefined ? s[cls] : (s.other || 0); }
      input.value = value(); out.textContent = Number(input.value).toFixed(kind === "far" ? 1 : 2);
      input.addEventListener("input", function () {
        state.dashboard.settings[kind][cls] = Number(input.value);
        out.textContent = Number(input.value).toFixed(kind === "far" ? 1 : 2);
        drawDashboard();
      });
    }
    var CLASS = {campus: "校园 campus", park: "园区 park", belt: "创新带 belt", residual: "其余 other land",
                 industrial: "工业 industrial", commercial: "商业 commercial", residential: "居住 residential"};
    if (d.explorer) {
      d.classes.forEach(function (c) {
        slider("share", c, "可开发比例 Developable share · " + (CLASS[c] || c), 0, 1, 0.05);
        slider("far", c, "容积率 FAR · " + (CLASS[c] || c), 0, 8, 0.1);
      });
    }
    aside.querySelector(".dash-reset").addEventListener("click", function () {
      state.dashboard.settings = defaultSettings();
      Array.prototype.forEach.call(sliders.querySelectorAll("input"), function (i) {
        var s = state.dashboard.settings[i.getAttribute("data-kind")], c = i.getAttribute("data-class");
        i.value = s[c] !== undefined ? s[c] : (s.other || 0); i.dispatchEvent(new Event("input"));
      });
      drawDashboard();
    });
    L.DomEvent.disableClickPropagation(aside);
    L.DomEvent.disableScrollPropagation(aside);
    drawDashboard();
  }
  function setDashboard(settings, horizon) {
    var s = state.dashboard.settings;
    ["far", "share"].forEach(function (k) { Object.keys((settings || {})[k] || {}).forEach(function (c) { s[k][c] = settings[k][c]; }); });
    if (horizon !== undefined) { state.dashboard.horizon = horizon; }
    drawDashboard();
    return state.dashboard.results;
  }

  // ------------------------------------------------------------------ controls and init
  function buildControls(map, config) {
    var small = window.innerWidth < 700;
    var Info = L.Control.extend({
      options: {position: "topleft"},
      onAdd: function () {
        var div = el("div", "corridor-info leaflet-bar");
        div.innerHTML = config.panel;  // rendered and escaped by the Jinja2 template in Python
        if (small) { div.querySelector("details").removeAttribute("open"); }
        div.querySelector(".corridor-print-button").addEventListener("click", printMap);
        div.querySelector(".corridor-table-button").addEventListener("click", function () { toggleTable(); });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    var Legend = L.Control.extend({
      options: {position: "bottomright"},
      onAdd: function () {
        var div = el("div", "corridor-legend leaflet-bar");
        var details = el("details", "", div);
        if (!small) { details.setAttribute("open", ""); }
        el("summary", "corridor-legend-title", details, "图例 Legend");
        (config.legend || []).forEach(function (item) { legendItem(details, item); });
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
        input.placeholder = "搜索 华科、武大、智谷… Search";
        input.setAttribute("aria-label", "Search places");
        var list = el("ul", "corridor-search-results", div);
        var current = [];
        function choose(entry) {
          input.value = entry.label;
          setTimeout(function () { list.textContent = ""; }, 0);
          goTo(entry);
        }
        function show() {
          list.textContent = "";
          current = search(input.value).slice(0, 10);
          active = 0;
          current.forEach(function (entry) {
            var li = el("li", "", list, entry.label);
            L.DomEvent.on(li, "click", function (ev) { L.DomEvent.stop(ev); choose(entry); });
          });
          highlight();
        }
        L.DomEvent.on(input, "input", show);
        var active = 0;
        function highlight() {
          Array.prototype.forEach.call(list.children, function (li, i) { li.classList.toggle("active", i === active); });
        }
        L.DomEvent.on(input, "keydown", function (ev) {
          if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
            if (!current.length) { return; }
            L.DomEvent.stop(ev);
            active = (active + (ev.key === "ArrowDown" ? 1 : current.length - 1)) % current.length;
            highlight();
          } else if (ev.key === "Enter" && current.length) {
            L.DomEvent.stop(ev); choose(current[Math.min(active, current.length - 1)]);
          } else if (ev.key === "Escape") {
            list.textContent = ""; current = [];
          }
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    new Search().addTo(map);
    new Info().addTo(map);
    new Legend().addTo(map);
    // the search box first in the top-left corner, above zoom and tools
    var corner = map._controlCorners.topleft, searchBox = corner.querySelector(".corridor-search");
    corner.insertBefore(searchBox, corner.firstChild);
  }

  function init(map, config) {
    state.map = map;
    state.config = config;
    ensureLabelPane(map);
    buildControls(map, config);
    buildTable();
    buildDashboard();
    map.on("baselayerchange", function (e) {
      setSystem(e.layer && e.layer.options && e.layer.options.gcj02 ? "gcj02" : "wgs84");
      setTimeout(placeLabels, 0);
    });
    if (config.initial_system && config.initial_system !== "wgs84") { setSystem(config.initial_system); }
    map.on("overlayadd overlayremove", function () { refreshLegend(); setTimeout(placeLabels, 0); fillTable(); });
    map.on("zoomend", placeLabels);
    // on a phone the info box steps aside while a popup is open, so that it does not hide it
    map.on("popupopen", function () { map.getContainer().classList.add("corridor-popup-open"); });
    map.on("popupclose", function () { map.getContainer().classList.remove("corridor-popup-open"); });
    if (config.travel) {
      map.on("click", function (e) {
        var t = e.originalEvent && e.originalEvent.target;
        if (t && t.classList && t.classList.contains("leaflet-interactive")) { return; }
        travelPopup(e.latlng);
      });
    }
    window.addEventListener("beforeprint", function () { document.body.classList.add("printing"); map.invalidateSize(); });
    window.addEventListener("afterprint", function () { document.body.classList.remove("printing"); map.invalidateSize(); });
    setPaper("A4");
    map.whenReady(function () {
      setTimeout(function () {
        state.bases = {}; state.baseNames = [];
        Object.keys(window).forEach(function (k) {
          var v = window[k];
          if (k.indexOf("tile_layer_") === 0 && v instanceof L.TileLayer && v.options.basemap) {
            state.bases[v.options.basemap] = v; state.baseNames.push(v.options.basemap);
          }
        });
        if (document.body.classList.contains("has-dashboard")) { map.invalidateSize(); }
        var layers = document.querySelector(".leaflet-control-layers");
        if (layers && map.getContainer().clientWidth >= 1100) { layers.classList.add("leaflet-control-layers-expanded"); }
        function settle() {
          if (map._animatingZoom) { map.once("zoomend", function () { setTimeout(settle, 0); }); return; }
          if (config.phone_bounds && map.getContainer().clientWidth < 700) {
            map.fitBounds(config.phone_bounds, {animate: false});
          }
          applyHash();
          refreshLegend();
          placeLabels();
          map.on("moveend overlayadd overlayremove baselayerchange", writeHash);
          state.ready = true;
        }
        settle();
      }, 0);
    });
  }

  return {state: state, init: init, addGeoJson: addGeoJson, addImage: addImage, setSystem: setSystem,
          refreshLegend: refreshLegend, search: search, goTo: goTo, wgsToGcj: wgsToGcj, normalise: normalise,
          placeLabels: placeLabels, visibleLabels: visibleLabels, travelTimes: travelTimes, travelPopup: travelPopup,
          toggleTable: toggleTable, filteredRows: filteredRows, csvText: csvText, geojsonText: geojsonText,
          compute: compute, defaultSettings: defaultSettings, setDashboard: setDashboard, readHash: readHash,
          applyHash: applyHash, setPaper: setPaper,
          get system() { return state.system; }, get features() { return state.features; }};
})();
