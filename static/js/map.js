// The layers' features arrive as JSON data beside folium's script (never inside it),
// and are added here to the (empty) folium GeoJSON layers.
(function () {
  const holder = document.getElementById("map-layer-data");
  if (!holder) return;
  const layers = JSON.parse(holder.textContent);
  Object.keys(layers).forEach((name) => {
    const layer = window[name];
    if (!layer || typeof layer.addData !== "function") return;
    layer.addData(layers[name]);
    layer.setStyle((feature) => (feature.properties && feature.properties.style) || {});
  });
})();

// "Show my location" for the folium map: asks the browser only when pressed.
(function () {
  const button = document.getElementById("locate-me");
  if (!button || !("geolocation" in navigator)) return;
  const map = window[button.dataset.map];
  if (!map) return;
  button.hidden = false;
  let marker = null;
  button.addEventListener("click", () => {
    map.locate({ setView: true, maxZoom: 16 });
  });
  map.on("locationfound", (e) => {
    if (marker) marker.remove();
    marker = L.circleMarker(e.latlng, { radius: 9, color: "#0b5cad", fillOpacity: 0.8 }).addTo(map);
  });
  map.on("locationerror", () => { button.textContent = button.textContent + " ✕"; });
})();
