/* National index pages: on the table of units, the month-by-month chart of each unit's total
 * drawn with Chart.js from the page's JSON data island (#index766-data):
 * {labels: ["01/2026", ...], series: [{code, totals: [number|null, ...]}], words: {total}}.
 * A month with nothing counted is a gap in the line, not a zero.
 */
(function () {
  "use strict";

  const island = document.getElementById("index766-data");
  const canvas = document.getElementById("index766-trend");
  if (!island || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(island.textContent);
  const css = getComputedStyle(document.documentElement);
  // Twelve distinguishable colours; past them the colours come back with another dash pattern, so
  // no two units share a line style however many are drawn (the views leave out units with no data).
  const palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#6c757d", "#0dcaf0", "#b8860b", "#8b4513", "#000080"];
  const dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  Chart.defaults.font.family = css.getPropertyValue("--bs-body-font-family") || Chart.defaults.font.family;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 400 };
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, index) {
        const colour = palette[index % palette.length];
        const dash = dashes[Math.floor(index / palette.length) % dashes.length];
        return { label: series.code, data: series.totals, borderColor: colour, backgroundColor: colour, borderDash: dash, spanGaps: false, tension: 0.2 };
      }),
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: { y: { min: 0, max: 100, title: { display: true, text: data.words.total } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
