// Activity page: zoomable uPlot charts of the streams (thinned by the streams API so even 100,000-sample
// files stay smooth) against time or distance, and the route as a Leaflet polyline (tiles only when the
// server sets a tile URL; the route draws on a blank map without them).
(function () {
  "use strict";
  const remove = document.getElementById("delete-activity");
  if (remove) {
    remove.addEventListener("click", () => {
      if (!window.confirm("Delete this activity? Its stored file goes too unless another activity shares it.")) return;
      fetch(remove.dataset.url, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": remove.dataset.csrf } })
        .then((r) => { if (r.status !== 204) throw new Error("HTTP " + r.status); window.location.assign(remove.dataset.next); })
        .catch((err) => window.alert("The activity could not be deleted: " + err.message));
    });
  }
  const holder = document.getElementById("charts");
  if (!holder) return;
  const MAX_POINTS = 4000; // about two samples per screen pixel of a wide chart
  const status = document.getElementById("charts-status");
  const paceSport = holder.dataset.pace === "1";
  const swim = holder.dataset.sport === "swimming";
  // The page's unit system (views/activities.py, from vault.metrics.types.unit_scales): stored SI samples
  // are plotted in the units the page's text uses (km or mi, /km or /mi, km/h or mph, m or ft).
  const scale = JSON.parse(document.getElementById("chart-units").textContent);
  let streams = null; // what the charts show: the whole activity, or the zoomed window
  let overview = null; // the whole activity (thinned), kept to zoom back out
  let axis = "time";
  let plots = [];
  let zoomRequest = 0; // only the latest zoom's answer is drawn; zooming out cancels those in flight
  const resetButton = document.getElementById("zoom-reset");

  function load(params) {
    const query = new URLSearchParams(Object.assign({ max_points: MAX_POINTS }, params || {}));
    return fetch(holder.dataset.streamsUrl + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }

  function fmtDuration(s) {
    if (s == null || !isFinite(s)) return "";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
  }

  function series() {
    const s = streams.streams;
    const out = [];
    if (s.heart_rate) out.push({ key: "heart_rate", label: "Heart rate", unit: "bpm", values: s.heart_rate, color: "#c62828" });
    if (s.power) out.push({ key: "power", label: "Power", unit: "W", values: s.power, color: "#6a1b9a" });
    if (s.speed) {
      if (paceSport) {
        const per = swim ? scale.swim_pace_m : scale.pace_m;
        const pace = s.speed.map((v) => (v && v > 0.3 ? per / v : null));
        out.push({ key: "pace", label: "Pace /" + (swim ? scale.swim_pace : scale.pace), unit: "", values: pace, color: "#1565c0", invert: true, fmt: fmtDuration });
      } else {
        out.push({ key: "speed", label: "Speed", unit: scale.speed, values: s.speed.map((v) => (v == null ? null : v * scale.speed_scale)), color: "#1565c0" });
      }
    }
    if (s.altitude) out.push({ key: "altitude", label: "Altitude", unit: scale.elevation, values: s.altitude.map((v) => (v == null ? null : v * scale.elevation_scale)), color: "#2e7d32" });
    if (s.cadence) out.push({ key: "cadence", label: "Cadence", unit: "", values: s.cadence, color: "#ef6c00" });
    return out.filter((c) => c.values.some((v) => v != null));
  }

  function xValues(axis) {
    const s = streams.streams;
    if (axis === "distance" && s.distance) return s.distance.map((d) => (d == null ? null : d / scale.distance_m));
    const t0 = overview.streams.timestamp.find((t) => t != null);
    return s.timestamp.map((t) => (t == null ? null : t - t0));
  }

  // Paces: a stop makes a near-infinite pace; scale to the bulk of the samples so the running is readable.
  function paceRange(u, min, max) {
    const values = u.data[1].filter((v) => v != null).sort((a, b) => a - b);
    if (!values.length) return [min, max];
    const high = values[Math.floor(values.length * 0.98)];
    return [Math.max(0, values[0] * 0.95), Math.min(max, high * 1.15)];
  }

  function draw() {
    plots.forEach((p) => p.destroy());
    plots = [];
    holder.querySelectorAll(".chart").forEach((n) => n.remove());
    let xs = xValues(axis);
    const byDistance = axis === "distance" && streams.streams.distance;
    const width = Math.max(300, holder.clientWidth - 10);
    const sync = uPlot.sync("activity");
    const channels = series();
    if (!channels.length) { status.textContent = "The file has no chart channels."; return; }
    const zoomed = streams !== overview;
    const shown = zoomed ? streams.window_count : streams.sample_count;
    status.textContent = (zoomed ? "Zoomed in: " : "") +
      (streams.returned < shown ? "showing " + streams.returned + " of " + shown + " samples. " : "") +
      "Drag across a chart to zoom in" + (zoomed ? " further." : ".");
    if (resetButton) resetButton.hidden = !zoomed;
    // uPlot needs x ascending and finite: keep only samples with an x.
    const keep = xs.map((x, i) => (x == null ? -1 : i)).filter((i) => i >= 0);
    xs = keep.map((i) => xs[i]);
    channels.forEach((c) => {
      const node = document.createElement("div");
      node.className = "chart";
      node.dataset.channel = c.key;
      holder.append(node);
      const ys = keep.map((i) => c.values[i]);
      const opts = {
        title: c.label + (c.unit ? " (" + c.unit + ")" : ""),
        width: width,
        height: 180,
        cursor: { sync: { key: sync.key }, drag: { x: true, y: false, setScale: false } },
        hooks: { setSelect: [(u) => { if (u.select.width > 5) requestZoom(u.posToVal(u.select.left, "x"), u.posToVal(u.select.left + u.select.width, "x"), xs, keep); }] },
        scales: { x: { time: false }, y: c.invert ? { dir: -1, range: paceRange } : {} },
        axes: [
          { values: (u, ticks) => ticks.map((t) => (byDistance ? t.toFixed(1) + " " + scale.distance : fmtDuration(t))) },
          c.fmt ? { values: (u, ticks) => ticks.map(c.fmt), size: 60 } : { size: 50 },
        ],
        series: [
          { value: (u, v) => (v == null ? "" : byDistance ? v.toFixed(2) + " " + scale.distance : fmtDuration(v)) },
          { label: c.label, stroke: c.color, width: 1, spanGaps: false, value: (u, v) => (v == null ? "–" : c.fmt ? c.fmt(v) : Math.round(v)) },
        ],
      };
      plots.push(new uPlot(opts, [xs, ys], node));
    });
  }

  // The synced charts all report the same selection at once: act on it one time.
  let pendingZoom = null;
  function requestZoom(a, b, xs, keep) {
    clearTimeout(pendingZoom);
    pendingZoom = setTimeout(() => zoomTo(a, b, xs, keep), 0);
  }

  // A selected x range (seconds, km or mi) -> the time window it covers -> those samples at full detail.
  // `xs` are the plotted x values and `keep` their sample indices in the current streams.
  function zoomTo(a, b, xs, keep) {
    let first = -1, last = -1;
    for (let i = 0; i < xs.length; i++) if (xs[i] >= a && xs[i] <= b) { if (first < 0) first = i; last = i; }
    if (first < 0 || last <= first) return;
    const timestamps = streams.streams.timestamp;
    const t0 = overview.streams.timestamp.find((t) => t != null);
    status.textContent = "Loading detail…";
    const request = ++zoomRequest;
    load({ from_s: timestamps[keep[first]] - t0, to_s: timestamps[keep[last]] - t0 })
      .then((body) => { if (request === zoomRequest) { streams = body; draw(); } })
      .catch((err) => { status.textContent = "Could not load the detail: " + err.message; });
  }

  function drawMap() {
    const mapNode = document.getElementById("route-map");
    const mapStatus = document.getElementById("map-status");
    const s = streams.streams;
    if (!mapNode || !window.L) return;
    if (!s.lat || !s.lon) { mapNode.remove(); mapStatus.textContent = "No GPS positions in this file."; return; }
    const points = [];
    for (let i = 0; i < s.lat.length; i++) if (s.lat[i] != null && s.lon[i] != null) points.push([s.lat[i], s.lon[i]]);
    if (!points.length) { mapNode.remove(); mapStatus.textContent = "No GPS positions in this file."; return; }
    const map = L.map(mapNode, { preferCanvas: true, attributionControl: Boolean(mapNode.dataset.tileUrl) });
    if (mapNode.dataset.tileUrl) L.tileLayer(mapNode.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
    const line = L.polyline(points, { color: "#d32f2f", weight: 3 }).addTo(map);
    L.circleMarker(points[0], { radius: 5, color: "#2e7d32" }).addTo(map);
    L.circleMarker(points[points.length - 1], { radius: 5, color: "#000" }).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [10, 10] });
    mapNode.dataset.points = String(points.length);
  }

  load()
    .then((body) => {
      streams = overview = body;
      if (!streams.streams.timestamp) { status.textContent = "The file has no samples."; return; }
      draw();
      drawMap();
      document.querySelectorAll("input[name=x-axis]").forEach((radio) => radio.addEventListener("change", () => { axis = radio.value; draw(); }));
      if (resetButton) resetButton.addEventListener("click", () => { zoomRequest++; streams = overview; draw(); });
    })
    .catch((err) => { status.textContent = "Could not load the streams: " + err.message; });
})();
