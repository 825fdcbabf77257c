/* Dashboards: the charts, drawn with Chart.js from the page's JSON data island (#dashboard-data),
 * and the unit selector that opens a dashboard as soon as a unit is chosen.
 *
 * The island holds: trend {labels, on_time, resolved}, target, labels {on_time, target, ...} and,
 * on the ministry dashboard, units {labels, codes, on_time}. Rates are percentages; null means
 * nothing was resolved (a gap in the line, not a zero).
 */
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });

  const island = document.getElementById("dashboard-data");
  if (!island || typeof Chart === "undefined") return;
  const data = JSON.parse(island.textContent);
  const words = data.labels || {};
  const language = document.documentElement.lang || "vi";
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 2 });
  const percent = function (value) { return number.format(value) + "%"; };

  const css = getComputedStyle(document.documentElement);
  const color = function (name, fallback) { return css.getPropertyValue(name).trim() || fallback; };
  const primary = color("--bs-primary", "#0d6efd");
  const success = color("--bs-success", "#198754");
  const danger = color("--bs-danger", "#dc3545");
  const muted = color("--bs-secondary-color", "#6c757d");
  const grid = color("--bs-border-color-translucent", "rgba(0,0,0,.1)");

  Chart.defaults.font.family = css.getPropertyValue("--bs-body-font-family") || Chart.defaults.font.family;
  Chart.defaults.color = muted;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 400 };

  // The lowest rate shown, rounded down to ten, so that differences between 85% and 99% stay visible.
  function lowerBound(values) {
    const known = values.filter(function (value) { return value !== null; });
    const lowest = Math.min.apply(null, known.concat([data.target]));
    return Math.max(0, Math.floor((lowest - 5) / 10) * 10);
  }

  // A dashed vertical line at the target on a horizontal bar chart, with its label at the top.
  const targetLine = {
    id: "targetLine",
    afterDatasetsDraw: function (chart) {
      const scale = chart.scales.x;
      const area = chart.chartArea;
      const x = scale.getPixelForValue(data.target);
      if (x < area.left || x > area.right) return;
      const context = chart.ctx;
      context.save();
      context.strokeStyle = danger;
      context.lineWidth = 1.5;
      context.setLineDash([6, 4]);
      context.beginPath();
      context.moveTo(x, area.top);
      context.lineTo(x, area.bottom);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = danger;
      context.font = "600 11px " + Chart.defaults.font.family;
      context.textAlign = "center";
      context.textBaseline = "bottom";
      context.fillText((words.target || "Target") + " " + percent(data.target), x, area.top - 3);
      context.restore();
    },
  };

  const trendCanvas = document.getElementById("trend-chart");
  if (trendCanvas && data.trend) {
    const trend = data.trend;
    new Chart(trendCanvas, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: [
          {
            label: words.on_time || "On-time rate",
            data: trend.on_time,
            borderColor: primary,
            backgroundColor: primary,
            borderWidth: 2.5,
            pointRadius: 3.5,
            pointHoverRadius: 5,
            tension: 0.25,
            spanGaps: false,
          },
          {
            label: (words.target || "Target") + " " + percent(data.target),
            data: trend.labels.map(function () { return data.target; }),
            borderColor: danger,
            backgroundColor: danger,
            borderDash: [6, 4],
            borderWidth: 1.5,
            pointRadius: 0,
            pointHoverRadius: 0,
          },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            min: lowerBound(trend.on_time),
            max: 100,
            ticks: { callback: function (value) { return percent(value); } },
            grid: { color: grid },
          },
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 10 } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                if (item.datasetIndex === 1) return item.dataset.label;
                if (item.raw === null) return words.no_data || "—";
                const resolved = trend.resolved[item.dataIndex];
                return item.dataset.label + ": " + percent(item.raw) + " (" + (words.resolved || "Resolved") + " " + number.format(resolved) + ")";
              },
            },
          },
        },
      },
    });
  }

  const unitsCanvas = document.getElementById("units-chart");
  if (unitsCanvas && data.units) {
    const units = data.units;
    // A bar per unit: the box grows with the number of units so that labels never overlap.
    document.getElementById("units-chart-box").style.height = Math.max(180, units.labels.length * 30 + 66) + "px";
    const colours = units.on_time.map(function (value) { return value >= data.target ? success : danger; });
    new Chart(unitsCanvas, {
      type: "bar",
      data: {
        labels: units.labels,
        datasets: [
          {
            label: words.on_time || "On-time rate",
            data: units.on_time,
            backgroundColor: colours.map(function (value) { return value + "cc"; }),
            borderColor: colours,
            borderWidth: 1,
            borderRadius: 3,
            barPercentage: 0.8,
          },
        ],
      },
      options: {
        indexAxis: "y",
        layout: { padding: { top: 16 } },
        scales: {
          x: {
            min: lowerBound(units.on_time),
            max: 100,
            ticks: { callback: function (value) { return percent(value); } },
            grid: { color: grid },
          },
          y: {
            grid: { display: false },
            ticks: {
              autoSkip: false,
              callback: function (value) {
                const label = this.getLabelForValue(value);
                return label.length > 34 ? label.slice(0, 33) + "…" : label;
              },
            },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return units.labels[items[0].dataIndex] + " (" + units.codes[items[0].dataIndex] + ")"; },
              label: function (item) { return item.dataset.label + ": " + percent(item.raw); },
            },
          },
        },
      },
      plugins: [targetLine],
    });
  }
})();
