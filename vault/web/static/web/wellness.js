// Wellness trends: HRV and resting HR against their 14-day baselines, and sleep, drawn with uPlot.
(function () {
  const holder = document.getElementById("wellness-chart");
  const source = document.getElementById("wellness-data");
  if (!holder || !source || typeof uPlot === "undefined") return;
  const data = JSON.parse(source.textContent);
  if (!data.dates.length) { holder.textContent = "No entries yet."; return; }
  const days = data.dates.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
  const series = [
    {},
    { label: "HRV (ms)", stroke: "#0b6bcb", width: 2 },
    { label: "HRV baseline", stroke: "#0b6bcb", dash: [6, 4] },
    { label: "Resting HR", stroke: "#b3261e", width: 2 },
    { label: "Resting HR baseline", stroke: "#b3261e", dash: [6, 4] },
    { label: "Sleep (h)", stroke: "#1e7d32", width: 2 },
  ];
  const width = Math.max(280, holder.clientWidth || 600);
  new uPlot({ width: width, height: 260, series: series, scales: { x: { time: true } } },
    [days, data.hrv, data.hrv_baseline, data.resting_hr, data.resting_hr_baseline, data.sleep], holder);
})();
