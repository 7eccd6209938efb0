// The command picture: draws the trends and the map from #picture-data with Apache ECharts
// (vendored), re-reads the figures from the section's data-url every data-refresh-seconds
// (and with them the "figures as of" line and the stale warning), colours the map by the
// chosen measure with the open risk areas drawn over it by level, opens a unit's picture on
// a click, and puts the picture in full screen for the wall display. No inline script: the
// CSP allows only our own files.
(function () {
  "use strict";
  var charts = {};
  var mapChart = null;
  var current = null;
  // Risk-area colours by level rank (0 the highest); the legend's swatches in picture.css.
  var LEVEL_COLOURS = ["#c0392b", "#e67e22", "#f1c40f", "#2e86c1"];

  function levelColour(rank) {
    return LEVEL_COLOURS[Math.min(rank, LEVEL_COLOURS.length - 1)];
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

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
    var labels = {};
    var byCode = {};
    values.forEach(function (v) { labels[v.name] = v.label; byCode[v.name] = v; });
    var top = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
    var areas = data.risk_areas || { levels: [], areas: [] };
    var levelNames = {};
    areas.levels.forEach(function (level) { levelNames[level.code] = level.name; });
    mapChart = mapChart || window.echarts.init(box, null, { renderer: "canvas" });
    mapChart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.seriesType === "scatter" && p.data) {
          var area = p.data;
          return "<b>" + escapeHtml(area.label) + "</b><br>" +
            escapeHtml(levelNames[area.level] || area.level) + "<br>" +
            escapeHtml(box.dataset.since) + ": " + escapeHtml(area.since) + "<br>" +
            escapeHtml(box.dataset.clock) + ": " + area.clock_days;
        }
        var unit = p.data || byCode[p.name];
        return escapeHtml(unit ? unit.label : p.name) + ": " + ((unit && unit.value) || 0);
      } },
      visualMap: { min: 0, max: top, calculable: true, left: 8, bottom: 8, seriesIndex: 0,
        inRange: { color: ["#f3f6fa", "#f4c27a", "#d9534f", "#7a1010"] } },
      geo: { map: name, nameProperty: "code", roam: true, tooltip: { show: true },
        label: { show: true, formatter: function (p) { return labels[p.name] || ""; }, fontSize: 10 },
        emphasis: { label: { show: true } } },
      series: [
        { type: "map", geoIndex: 0, data: values },
        { type: "scatter", name: box.dataset.areasName, coordinateSystem: "geo", symbolSize: 11, z: 5,
          itemStyle: { borderColor: "#222", borderWidth: 1 },
          data: areas.areas.map(function (area) {
            return { name: area.code, value: area.value, label: area.name, level: area.level,
              since: area.since, clock_days: area.clock_days, unit: area.unit,
              itemStyle: { color: levelColour(area.rank) } };
          }) }
      ]
    }, true);
    var urls = {};
    data.children.forEach(function (child) { urls[child.code] = child.url; });
    mapChart.off("click");
    mapChart.on("click", function (p) {
      var url = (p.data && p.data.url) || urls[p.name] || (p.data && urls[p.data.unit]);
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

  function drawAsOf(section, data, failed) {
    var line = section.querySelector("[data-as-of]");
    if (line && data.as_of_local && line.dataset.asOfText) {
      line.textContent = line.dataset.asOfText.replace("{time}", data.as_of_local);
    }
    var warning = section.querySelector("[data-stale]");
    if (!warning) return;
    var stale = data.stale;
    if (failed && data.as_of) {
      // The figures could not be re-read: judge their age by this browser's clock.
      stale = Date.now() - Date.parse(data.as_of) > data.refresh_every_minutes * 60000;
    }
    warning.hidden = !stale;
  }

  function drawLegend(section, data) {
    var counts = {};
    (data.risk_areas ? data.risk_areas.levels : []).forEach(function (level) {
      counts[level.rank] = level.count;
    });
    section.querySelectorAll("[data-area-legend] .area-level").forEach(function (item) {
      var count = item.querySelector("b");
      if (count) count.textContent = (counts[item.dataset.rank] || 0).toLocaleString();
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
        if (!data) throw new Error("not read");
        drawChain(data);
        drawAsOf(section, data, false);
        drawLegend(section, data);
        draw(data);
      })
      .catch(function () {
        // keep the last picture; the next round tries again; say if it is getting old
        if (current) drawAsOf(section, current, true);
      });
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
