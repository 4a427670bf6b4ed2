/* The GCJ-02 shift of Amap (gaode) tiles, one copy for every page that draws on them: the map page shifts
 * markers for display (wgsToGcj) and reads clicks back (gcjToWgs); the browser editor's location picker
 * (servicepoints-cms.js) undoes the shift of the point an editor places, so records stay WGS-84, and reads a
 * record typed in GCJ-02 or BD-09 (crs) back as WGS-84, as core/geo.py's to_wgs84 does.
 * The same transform as core/geo.py (tests/site/test_cms_browser.py compares them to the millimetre). A classic script:
 * window.ServicepointsGeo. */
(function () {
  "use strict";

  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function offset(lat, lon) {
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var wave = (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
    var dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + wave;
    dlat += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
    dlat += (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
    var dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + wave;
    dlon += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
    dlon += (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
    var rad = lat / 180 * PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    dlat = dlat * 180 / ((A * (1 - EE)) / (magic * Math.sqrt(magic)) * PI);
    dlon = dlon * 180 / (A / Math.sqrt(magic) * Math.cos(rad) * PI);
    return [dlat, dlon];
  }

  function wgsToGcj(lat, lon) {
    var d = offset(lat, lon);
    return [lat + d[0], lon + d[1]];
  }

  function gcjToWgs(lat, lon) {
    var wlat = lat, wlon = lon;
    for (var i = 0; i < 30; i++) {
      var g = wgsToGcj(wlat, wlon), dlat = g[0] - lat, dlon = g[1] - lon;
      wlat -= dlat; wlon -= dlon;
      if (Math.abs(dlat) < 1e-10 && Math.abs(dlon) < 1e-10) break;
    }
    return [wlat, wlon];
  }

  var BD = Math.PI * 3000.0 / 180.0;

  function bd09ToGcj(lat, lon) {
    var x = lon - 0.0065, y = lat - 0.006;
    var z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * BD);
    var theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * BD);
    return [z * Math.sin(theta), z * Math.cos(theta)];
  }

  /* A record's coordinates, typed in any datum the records accept (crs), as WGS-84. */
  function toWgs(lat, lon, crs) {
    if (crs === "gcj02") return gcjToWgs(lat, lon);
    if (crs === "bd09") { var g = bd09ToGcj(lat, lon); return gcjToWgs(g[0], g[1]); }
    return [lat, lon];
  }

  window.ServicepointsGeo = { wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs, toWgs: toWgs };
})();
