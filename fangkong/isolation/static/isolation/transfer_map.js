// The dispatcher's map: today's pickups per street (the street outlines coloured by count)
// and the destination sites (points sized by the pickups bound there), drawn with Apache
// ECharts (vendored) from #pickup-map-data. The list below the map stays the record; no
// inline script: the CSP allows only our own files.
(function () {
  "use strict";

  function draw(box, data) {
    var name = "fangkong-pickups";
    window.echarts.registerMap(name, data.map);
    var counts = data.pickups.map(function (p) {
      return { name: p.code, value: p.count, label: p.name };
    });
    var top = Math.max.apply(null, counts.map(function (c) { return c.value; }).concat([1]));
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.seriesType === "scatter") return p.data.name + ": " + p.data.value[2];
        return (p.data ? p.data.label : p.name) + ": " + (p.value || 0);
      } },
      geo: { map: name, nameProperty: "code", roam: true,
        itemStyle: { areaColor: "#f3f6fa", borderColor: "#9aa7b5" } },
      visualMap: { min: 0, max: top, calculable: true, left: 8, bottom: 8, seriesIndex: 0,
        inRange: { color: ["#f3f6fa", "#f4c27a", "#d9534f"] } },
      series: [
        { name: box.dataset.pickups, type: "map", geoIndex: 0, data: counts },
        { name: box.dataset.sites, type: "scatter", coordinateSystem: "geo",
          symbolSize: function (v) { return 8 + Math.min(24, 2 * v[2]); },
          itemStyle: { color: "#1f5fa8" },
          label: { show: true, position: "right", fontSize: 10,
            formatter: function (p) { return p.data.name + " " + p.data.value[2]; } },
          data: data.sites.map(function (s) {
            return { name: s.name, value: [s.longitude, s.latitude, s.count] };
          }) }
      ]
    }, true);
  }

  function start() {
    var holder = document.getElementById("pickup-map-data");
    var box = document.getElementById("pickup-map");
    if (!holder || !box || !window.echarts) return;
    var data = JSON.parse(holder.textContent);
    if (!data.map.features.length) return;
    draw(box, data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
