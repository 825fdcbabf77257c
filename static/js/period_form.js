/* The period form of the statistics pages (templates/reports/includes/period_form.html, loaded
 * right after it): the year and number for a preset period, the two dates for a custom range. A box
 * showing an error stays visible, whatever the period, so the message is never hidden.
 */
(function () {
  "use strict";

  const form = document.getElementById("report-form");
  if (!form) return;
  const kind = form.querySelector("[name=period]");
  const sync = function () {
    const custom = kind.value === "custom";
    form.querySelectorAll(".custom-only").forEach(function (box) {
      if (box.querySelector(".invalid-feedback")) return;
      box.hidden = !custom;
      box.querySelectorAll("input").forEach(function (input) { input.disabled = !custom; });
    });
    form.querySelectorAll(".preset-only").forEach(function (box) {
      if (box.querySelector(".invalid-feedback")) return;
      box.hidden = custom;
      box.querySelectorAll("input").forEach(function (input) { input.disabled = custom; });
    });
  };
  kind.addEventListener("change", sync);
  sync();
})();
