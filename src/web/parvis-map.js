// Parvis: the map of problem reports (Leaflet). The page works without it: the latitude and longitude
// fields are the place; the map only fills them (a click or a dragged marker) and follows them.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function tiles(el, map) {
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: el.dataset.attribution || "",
    }).addTo(map);
  }

  function view(el) {
    var c = (el.dataset.center || "").split(",").map(Number);
    var ok = c.length === 2 && c.every(isFinite);
    return { center: ok ? c : [46.6, 2.4], zoom: ok ? Number(el.dataset.zoom || 15) : 5 };
  }

  // The report form: a click or a dragged marker fills the fields; typed fields move the marker.
  var picker = document.getElementById("problem-map");
  if (picker) {
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    var v = view(picker);
    var map = L.map(picker).setView(v.center, v.zoom);
    tiles(picker, map);
    var marker = null;
    var place = function (latlng, pan) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: picker.dataset.label || "" }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) map.panTo(latlng);
    };
    var fill = function (latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      lat.dispatchEvent(new Event("change"));
    };
    map.on("click", function (e) { place(e.latlng, false); fill(e.latlng); });
    var follow = function () {
      var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lon.value.replace(",", "."));
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) place([a, b], true);
    };
    lat.addEventListener("input", follow);
    lon.addEventListener("input", follow);
    follow();
  }

  // The list: every report as a marker, grouped when they are close at this zoom.
  var list = document.getElementById("problems-map");
  if (list) {
    var w = view(list);
    var all = L.map(list).setView(w.center, w.zoom);
    tiles(list, all);
    var reports = JSON.parse(list.dataset.reports || "[]");
    var group = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
    reports.forEach(function (r) {
      var link = document.createElement("a");
      link.href = r.href;
      link.textContent = r.label;
      group.addLayer(L.marker([r.lat, r.lon], { title: r.title }).bindPopup(link));
    });
    all.addLayer(group);
    if (reports.length > 0 && !list.dataset.center) {
      all.fitBounds(reports.map(function (r) { return [r.lat, r.lon]; }), { maxZoom: 17 });
    }
  }
})();
