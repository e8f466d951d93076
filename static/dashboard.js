/* The dashboard's charts, drawn in the browser from the dashboard's JSON (the page's own
   address + /data/, with the same filters) with Chart.js and chartjs-chart-geo, both served by
   the portal itself. The numbers are also in the table under each chart, for screen readers
   and without JavaScript. No inline scripts or styles (CSP). */
(function () {
  "use strict";

  var COLOURS = ["#1f5f8b", "#e0a526", "#3f8f4f", "#9b4d96", "#c0392b"];

  function number(value) {
    return typeof value === "number" ? value : parseFloat(value || "0");
  }

  function axes(rtl, horizontal) {
    // Right to left: the categories start on the right and the value axis sits on the right.
    var side = rtl ? "right" : "left";
    return horizontal
      ? { x: { reverse: rtl, beginAtZero: true }, y: { position: side } }
      : { x: { reverse: rtl }, y: { position: side, beginAtZero: true } };
  }

  function options(rtl, horizontal) {
    var direction = rtl ? "rtl" : "ltr";
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: horizontal ? "y" : "x",
      scales: axes(rtl, horizontal),
      plugins: {
        legend: { rtl: rtl, textDirection: direction, position: "bottom" },
        tooltip: { rtl: rtl, textDirection: direction },
      },
    };
  }

  function noData(canvas, text) {
    var note = document.createElement("p");
    note.className = "no-data";
    note.textContent = text;
    canvas.replaceWith(note);
  }

  function bars(canvas, rows, series, names, rtl, horizontal, noDataText) {
    if (!rows || !rows.length) {
      noData(canvas, noDataText);
      return;
    }
    canvas.dataset.drawn = "1";
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.label; }),
        datasets: series.map(function (key, index) {
          return {
            label: names[key],
            data: rows.map(function (row) { return number(row[key]); }),
            backgroundColor: COLOURS[index % COLOURS.length],
          };
        }),
      },
      options: options(rtl, horizontal),
    });
  }

  function map(canvas, rows, topology, names, rtl, noDataText) {
    var geo = window.ChartGeo;
    if (!geo) return;
    var byNumber = {};
    (rows || []).forEach(function (row) { byNumber[row.numeric] = row; });
    var countries = geo.topojson.feature(topology, topology.objects.countries).features;
    canvas.dataset.drawn = "1";
    return new window.Chart(canvas, {
      type: "choropleth",
      data: {
        labels: countries.map(function (feature) {
          var row = byNumber[feature.id];
          return row ? row.name : feature.properties.name;
        }),
        datasets: [{
          label: names.cases,
          outline: countries,
          data: countries.map(function (feature) {
            var row = byNumber[feature.id];
            return { feature: feature, value: row ? row.cases : 0 };
          }),
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        showOutline: true,
        plugins: {
          legend: { display: false },
          tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" },
        },
        scales: {
          projection: { axis: "x", projection: "equalEarth" },
          color: {
            axis: "x",
            quantize: 5,
            legend: { position: rtl ? "bottom-left" : "bottom-right", align: "right" },
          },
        },
      },
    });
  }

  function draw(root, data, topology) {
    var rtl = root.dataset.rtl === "1";
    var names = data.series;
    var noDataText = data.no_data;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = canvas.dataset.chart;
      if (chart === "pipeline") {
        bars(canvas, data.pipeline, ["n"], { n: names.cases }, rtl, true, noDataText);
      } else if (chart === "medians") {
        bars(canvas, data.medians, ["days"], names, rtl, true, noDataText);
      } else if (chart === "criteria") {
        bars(canvas, data.criteria, ["recipient", "donor"], names, rtl, false, noDataText);
      } else if (chart === "countries") {
        if (topology) map(canvas, data.countries, topology, names, rtl, noDataText);
      } else if (data.money && data.money[chart]) {
        bars(canvas, data.money[chart].rows, ["requested", "committed", "disbursed"], names,
          rtl, false, noDataText);
      }
    });
    root.dataset.drawn = "1";
  }

  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("dashboard");
    if (!root || !window.Chart) return;
    var page = window.getComputedStyle(document.body);
    window.Chart.defaults.font.family = page.fontFamily;
    window.Chart.defaults.color = page.color;
    if (window.ChartGeo) {
      var geo = window.ChartGeo;
      window.Chart.register(geo.ChoroplethController, geo.GeoFeature, geo.ColorScale,
        geo.ProjectionScale);
    }
    var wantsMap = window.ChartGeo && root.querySelector("canvas[data-chart='countries']");
    Promise.all([
      json(root.dataset.url),
      wantsMap ? json(root.dataset.map).catch(function () { return null; }) : null,
    ]).then(function (results) {
      draw(root, results[0], results[1]);
    }).catch(function () {
      root.dataset.drawn = "error";
    });
  });
})();
