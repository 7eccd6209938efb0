// The command picture: draws the trends and the map from #picture-data with Apache ECharts
// (vendored), re-reads the figures from the section's data-url every data-refresh-seconds,
// colours the map by the chosen measure, opens a unit's picture on a click, and puts the
// picture in full screen for the wall display. No inline script: the CSP allows only our
// own files.
(function () {
  "use strict";
  var charts = {};
  var mapChart = null;
  var current = null;

  function series(data, key) {
    return data.series[key] || data.days.map(function () { return 0; });
  }

  function base(box) {
    return {
      title: { text: box.dataset.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24 },
      grid: { top: 64, left: 48, right: 48, bottom: 32 },
      xAxis: { type: "category", data: current.days.map(function (d) { return d.slice(5); }) },
      animation: false
    };
  }

  function options(kind, box, data) {
    var o = base(box);
    if (kind === "curve") {
      o.yAxis = { type: "value", minInterval: 1 };
      o.series = [
        { name: box.dataset.onset, type: "bar", data: series(data, "cases_by_onset") },
        { name: box.dataset.report, type: "bar", data: series(data, "cases_by_report") }
      ];
    } else if (kind === "tests") {
      var sampled = series(data, "tests_sampled");
      var positive = series(data, "tests_positive");
      o.yAxis = [{ type: "value", minInterval: 1 }, { type: "value", axisLabel: { formatter: "{value}%" } }];
      o.series = [
        { name: box.dataset.sampled, type: "bar", data: sampled },
        { name: box.dataset.positivity, type: "line", yAxisIndex: 1,
          data: sampled.map(function (n, i) { return n ? Math.round(10000 * positive[i] / n) / 100 : 0; }) }
      ];
    } else if (kind === "contacts") {
      o.yAxis = { type: "value", minInterval: 1 };
      o.series = [
        { name: box.dataset.traced, type: "line", data: series(data, "contacts_traced") },
        { name: box.dataset.confirmed, type: "line", data: series(data, "contacts_confirmed") },
        { name: box.dataset.isolated, type: "line", data: series(data, "orders_issued") }
      ];
    } else {
      o.yAxis = { type: "value", minInterval: 1 };
      o.series = [
        { name: box.dataset.free, type: "line", step: "end", data: series(data, "rooms_free") },
        { name: box.dataset.active, type: "line", step: "end", data: series(data, "orders_active") }
      ];
    }
    return o;
  }

  function drawCharts(data) {
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var chart = charts[box.id] || window.echarts.init(box, null, { renderer: "canvas" });
      charts[box.id] = chart;
      chart.setOption(options(box.dataset.chart, box, data), true);
    });
  }

  function drawMap(data) {
    var box = document.getElementById("picture-map");
    var select = document.getElementById("map-measure");
    if (!box || !data.map.features.length) return;
    var key = select ? select.value : "cases_by_report";
    var name = "fangkong-" + data.node.code;
    window.echarts.registerMap(name, data.map);
    var values = data.children.map(function (child) {
      return { name: child.code, value: child.values[key] || 0, label: child.name, url: child.url };
    });
    var top = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
    mapChart = mapChart || window.echarts.init(box, null, { renderer: "canvas" });
    mapChart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        return (p.data ? p.data.label : p.name) + ": " + (p.value || 0);
      } },
      visualMap: { min: 0, max: top, calculable: true, left: 8, bottom: 8,
        inRange: { color: ["#f3f6fa", "#f4c27a", "#d9534f", "#7a1010"] } },
      series: [{ type: "map", map: name, nameProperty: "code", roam: true, data: values,
        label: { show: true, formatter: function (p) { return p.data ? p.data.label : ""; }, fontSize: 10 },
        emphasis: { label: { show: true } } }]
    }, true);
    var urls = {};
    data.children.forEach(function (child) { urls[child.code] = child.url; });
    mapChart.off("click");
    mapChart.on("click", function (p) {
      var url = (p.data && p.data.url) || urls[p.name];
      if (url) window.location.assign(url);
    });
  }

  function drawChain(data) {
    document.querySelectorAll("[data-measure]").forEach(function (cell) {
      var value = data.today[cell.dataset.measure] || 0;
      cell.textContent = value.toLocaleString();
      var box = cell.parentElement;
      if (box && box.classList.contains("late")) box.classList.toggle("behind", value > 0);
    });
  }

  function draw(data) {
    current = data;
    drawCharts(data);
    drawMap(data);
  }

  function reload(section) {
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        drawChain(data);
        draw(data);
      })
      .catch(function () { /* keep the last picture; the next round tries again */ });
  }

  function start() {
    var holder = document.getElementById("picture-data");
    var section = document.getElementById("picture");
    if (!holder || !section || !window.echarts) return;
    draw(JSON.parse(holder.textContent));
    var select = document.getElementById("map-measure");
    if (select) select.addEventListener("change", function () { drawMap(current); });
    var button = section.querySelector("[data-fullscreen]");
    if (button) button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (section.requestFullscreen) section.requestFullscreen();
    });
    document.addEventListener("fullscreenchange", function () {
      section.classList.toggle("wall", document.fullscreenElement === section);
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
      if (mapChart) mapChart.resize();
    });
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
      if (mapChart) mapChart.resize();
    });
    var seconds = parseInt(section.dataset.refreshSeconds, 10) || 60;
    window.setInterval(function () { reload(section); }, seconds * 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
