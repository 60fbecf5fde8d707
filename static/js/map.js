// "Find parking": the Leaflet map over the layers' GeoJSON endpoints.
//
// folium made the map (webapp/maps/shell.py: base tiles, scale, our own assets); its inline
// script assigns it to the global named by the element's data-map-name. Everything that
// depends on the request or on provider data is done here: the view, the layers, the marker.
// Each layer is fetched from its own endpoint: a small one whole, once; a large one for the view,
// named by the web-map tiles that cover it (the same few URLs for views a few pixels apart, so the
// server and the browser answer them from their caches), again when a move shows other tiles. A
// view holding more places than a map can show comes back as groups with a count (drawn as
// numbered circles; a click zooms in). Popups are built here from the features' plain properties with DOM methods
// and textContent: provider text never becomes HTML. Point layers are clustered and
// coloured by free space, areas by zone. Without a base map (none configured, or its tiles do
// not load: offline, in a car park) the names are shown as labels from the zoom level `label_zoom` on.
(function () {
  "use strict";
  const element = document.getElementById("map");
  if (!element || !window.L) return;
  const name = element.dataset.mapName || "";
  const map = /^map_[0-9a-f]+$/.test(name) ? window[name] : null;
  if (!(map instanceof L.Map)) return; // no shell: the page stays a list
  const config = JSON.parse(element.dataset.config);
  const status = document.getElementById("map-status");
  const container = map.getContainer();
  // folium opened the map on a fixed default; this page's view (?at=, a provider's tab) is data
  map.setView(config.centre, config.zoom, { animate: false });
  window.parkgoMap = map; // for the browser tests
  let withTiles = Boolean(config.tiles);
  const boundFeatures = [];
  if (!withTiles) container.classList.add("map-no-tiles");
  const narrow = () => map.getSize().x < 600;
  const control = L.control.layers(null, null, { collapsed: narrow() }).addTo(map);
  // Leaflet writes its controls' titles in English: the page's language instead
  [[".leaflet-control-zoom-in", "zoom_in"], [".leaflet-control-zoom-out", "zoom_out"],
    [".leaflet-control-layers-toggle", "layers"]].forEach(([selector, key]) => {
    const node = container.querySelector(selector);
    const text = config.controls && config.controls[key];
    if (node && text) {
      node.title = text;
      node.setAttribute("aria-label", text);
    }
  });
  if (config.marker) {
    L.circleMarker(config.marker, { radius: 11, color: "#0b5cad", weight: 3, fill: false }).addTo(map);
  }

  function styleOf(properties) {
    return Object.assign({}, config.styles[properties.style] || config.styles["level-unknown"]);
  }

  function textElement(tag, text, className, lang) {
    const node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    if (lang) node.lang = lang;
    return node;
  }

  // A link only to our own pages: a path on this origin, never "javascript:" or another host.
  function safePath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function popupContent(properties) {
    const box = document.createElement("div");
    box.className = "popup";
    box.appendChild(textElement("h3", String(properties.title || ""), "", properties.title_lang));
    if (properties.alt_title) {
      box.appendChild(textElement("p", String(properties.alt_title), "muted", properties.alt_title_lang));
    }
    if (properties.subtitle) box.appendChild(textElement("p", String(properties.subtitle)));
    (properties.details || []).forEach((line) => box.appendChild(textElement("p", String(line), "popup-detail")));
    if (safePath(properties.url)) {
      const paragraph = document.createElement("p");
      const link = textElement("a", String(properties.action || properties.title || ""), "button primary small");
      link.href = properties.url;
      paragraph.appendChild(link);
      box.appendChild(paragraph);
    }
    return box;
  }

  // Fits a 360 px phone: never wider than the map, and panned clear of the zoom and layer controls.
  function popupOptions() {
    const width = map.getSize().x;
    const top = Array.from(element.querySelectorAll(".leaflet-top .leaflet-control"))
      .reduce((lowest, node) => Math.max(lowest, node.offsetTop + node.offsetHeight), 0);
    return {
      maxWidth: Math.max(160, Math.min(320, width - 60)),
      minWidth: Math.min(200, width - 60),
      autoPanPaddingTopLeft: L.point(12, top + 12),
      autoPanPaddingBottomRight: L.point(12, 12),
    };
  }

  function openPopup(layer, properties, latlng) {
    L.popup(popupOptions()).setLatLng(latlng || layer.getLatLng()).setContent(popupContent(properties)).openOn(map);
  }

  function bindFeature(feature, layer) {
    const properties = feature.properties || {};
    layer.on("click", (event) => openPopup(layer, properties, event.latlng));
    // a node, not a string: Leaflet would insert a string tooltip as HTML
    bindLabel(feature, layer);
    boundFeatures.push([feature, layer]);
  }

  function bindLabel(feature, layer) {
    const properties = feature.properties || {};
    const label = textElement("span", String(properties.title || ""), "", properties.title_lang);
    layer.unbindTooltip();
    if (!withTiles) {
      layer.bindTooltip(label, { permanent: true, direction: feature.geometry.type === "Point" ? "right" : "center",
        className: "map-label", opacity: 0.9 });
    } else {
      layer.bindTooltip(label);
    }
  }

  // A base map that cannot load (no signal) leaves the map grey: fall back to labels, as without one.
  // Tiles may have failed before this script ran, so a look after a few seconds backs up the event.
  function withoutTiles() {
    if (!withTiles) return;
    withTiles = false;
    container.classList.add("map-no-tiles");
    boundFeatures.forEach(([feature, bound]) => bindLabel(feature, bound));
  }
  map.eachLayer((layer) => {
    if (!(layer instanceof L.TileLayer)) return;
    const anyLoaded = () => Boolean(layer.getContainer() && layer.getContainer().querySelector(".leaflet-tile-loaded"));
    layer.on("tileerror", () => { if (!anyLoaded()) withoutTiles(); });
    window.setTimeout(() => { if (!anyLoaded()) withoutTiles(); }, 4000);
  });

  function clusterIcon(cluster) {
    const count = cluster.getChildCount();
    const span = document.createElement("span");
    span.textContent = String(count);
    return L.divIcon({ html: span.outerHTML, className: "map-cluster", iconSize: L.point(36, 36) });
  }

  // A group the server counted: a numbered circle like the cluster group's, named for screen readers.
  function groupMarker(feature, latlng) {
    const count = Number((feature.properties || {}).count) || 0;
    const label = String(config.group_label || "").replace("%(count)s", String(count));
    const marker = L.marker(latlng, { icon: clusterIcon({ getChildCount: () => count }), title: label,
      alt: label, keyboard: true });
    marker.on("click", () => map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom())));
    return marker;
  }

  function makeLayer(entry) {
    const geojson = L.geoJSON(null, {
      style: (feature) => styleOf(feature.properties || {}),
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, styleOf(feature.properties || {})),
      onEachFeature: bindFeature,
    });
    const groups = L.geoJSON(null, { pointToLayer: groupMarker });
    if (entry.kind !== "points") return { shown: L.featureGroup([geojson, groups]), data: geojson, groups: groups };
    const cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45,
      iconCreateFunction: clusterIcon });
    return { shown: L.featureGroup([cluster, groups]), data: geojson, cluster: cluster, groups: groups };
  }

  const truncated = new Set();
  function showStatus() {
    if (status) status.textContent = truncated.size ? element.dataset.zoomIn || "" : "";
  }

  function boxOf(bounds) {
    const padded = bounds.pad(0.25);
    return [padded.getWest(), padded.getSouth(), padded.getEast(), padded.getNorth()]
      .map((value) => value.toFixed(3)).join(",");
  }

  // The view as tiles "zoom/x0/y0/x1/y1": tiles of 512 screen pixels (one zoom level below the map's)
  // around the view and a quarter of it on each side, at a lower zoom when that takes more than
  // tiles_span tiles a side (webapp/maps/search.py TileView).
  function tileView() {
    const bounds = map.getBounds().pad(0.25);
    const span = config.tiles_span || 8;
    const clampLat = (lat) => Math.max(-85.05, Math.min(85.05, lat));
    for (let zoom = Math.max(0, Math.min(20, Math.round(map.getZoom()) - 1)); zoom >= 0; zoom -= 1) {
      const n = Math.pow(2, zoom);
      const column = (lng) => Math.max(0, Math.min(n - 1, Math.floor((lng + 180) / 360 * n)));
      const row = (lat) => {
        const rad = clampLat(lat) * Math.PI / 180;
        const y = (1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2 * n;
        return Math.max(0, Math.min(n - 1, Math.floor(y)));
      };
      const x0 = column(bounds.getWest()), x1 = column(bounds.getEast());
      const y0 = row(bounds.getNorth()), y1 = row(bounds.getSouth());
      if (x1 - x0 < span && y1 - y0 < span) return [zoom, x0, y0, x1, y1].join("/");
    }
    return "0/0/0/0/0";
  }

  function show(entry, parts, collection) {
    const places = collection.features.filter((feature) => !(feature.properties || {}).cluster);
    const groups = collection.features.filter((feature) => (feature.properties || {}).cluster);
    parts.data.clearLayers();
    parts.data.addData({ type: "FeatureCollection", features: places });
    parts.groups.clearLayers();
    parts.groups.addData({ type: "FeatureCollection", features: groups });
    if (parts.cluster) {
      parts.cluster.clearLayers();
      parts.cluster.addLayers(parts.data.getLayers());
    }
    if (collection.truncated || collection.clustered) truncated.add(entry.key); else truncated.delete(entry.key);
    showStatus();
    element.dataset["loaded" + entry.key] = String(places.length);
    element.dataset["groups" + entry.key] = String(groups.length);
  }

  function load(entry, parts) {
    let controller = null;
    let shown = null;
    return function () {
      const url = entry.large ? entry.url + "&view=" + tileView() : entry.url;
      if (url === shown) return; // a move within the same tiles: what is drawn is what the view needs
      if (controller) controller.abort();
      controller = new AbortController();
      return fetch(url, { signal: controller.signal, headers: { Accept: "application/geo+json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
        .then((collection) => {
          shown = url;
          show(entry, parts, collection);
        })
        .catch((error) => { if (error.name !== "AbortError") console.warn("map layer", entry.key, error); });
    };
  }

  config.layers.forEach((entry) => {
    const parts = makeLayer(entry);
    parts.shown.addTo(map);
    control.addOverlay(parts.shown, entry.title);
    const refresh = load(entry, parts);
    refresh();
    if (entry.large) map.on("moveend", refresh);
  });

  // Labels only from label_zoom on: below it they would cover each other.
  function labelsByZoom() {
    container.classList.toggle("map-labels-on", map.getZoom() >= config.label_zoom);
  }
  map.on("zoomend", labelsByZoom);
  labelsByZoom();

  // The list under the map follows the view when "Only places the map shows" is ticked.
  const form = document.getElementById("place-search");
  const inView = document.getElementById("place-in-view");
  const bboxInput = document.getElementById("place-bbox");
  function refreshList() {
    if (!form || !window.htmx) return;
    const params = new URLSearchParams(new FormData(form));
    params.delete("page");
    const url = form.getAttribute("action") + "?" + params.toString();
    window.htmx.ajax("GET", url, { target: "#place-list", swap: "outerHTML" });
  }
  if (form && inView && bboxInput) {
    inView.closest("label").hidden = false;
    const follow = () => {
      bboxInput.disabled = !inView.checked;
      bboxInput.value = inView.checked ? boxOf(map.getBounds().pad(-0.2)) : "";
    };
    follow();
    map.on("moveend", () => { follow(); if (inView.checked) refreshList(); });
    inView.addEventListener("change", () => { follow(); refreshList(); });
  }

  // "Show my location": asks the browser only when pressed, then lists the nearest places first.
  const locate = document.getElementById("locate-me");
  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    let marker = null;
    locate.addEventListener("click", () => map.locate({ setView: true, maxZoom: 16 }));
    map.on("locationfound", (event) => {
      if (marker) marker.remove();
      marker = L.circleMarker(event.latlng, { radius: 9, color: "#0b5cad", fillOpacity: 0.8 }).addTo(map);
      const near = document.getElementById("place-near");
      if (near) {
        near.value = event.latlng.lat.toFixed(5) + "," + event.latlng.lng.toFixed(5);
        refreshList();
      }
    });
    map.on("locationerror", () => { locate.textContent = locate.textContent + " ✕"; });
  }
})();
