// Upload page: files dropped or chosen go to the upload API one after another, each with its own progress
// bar and result (imported / duplicate / error, with warnings). A zip becomes a background job we poll.
(function () {
  "use strict";
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = document.getElementById("file-input");
  const list = document.getElementById("upload-list");
  const uploadUrl = zone.dataset.uploadUrl;
  const activityUrl = (id) => zone.dataset.activityUrl.replace(/0\/$/, id + "/");
  const maxBytes = Number(zone.dataset.maxBytes);
  const maxArchiveBytes = Number(zone.dataset.maxArchiveBytes);
  const queue = [];
  let busy = false;

  const LABELS = { imported: "✓ imported", duplicate: "duplicate (already exists)", error: "error", skipped: "skipped", queued: "queued" };
  const BADGES = { imported: "ok", duplicate: "warn", error: "bad", skipped: "", queued: "" };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showResult(row, result) {
    const line = el("div", { class: "result" });
    line.append(el("span", { class: "badge " + (BADGES[result.status] || ""), "data-status": result.status }, LABELS[result.status] || result.status), " ");
    if (result.activity && result.status !== "error") {
      const link = el("a", { href: activityUrl(result.activity) }, result.file);
      line.append(link);
    } else {
      line.append(el("span", {}, result.file));
    }
    if (result.status !== "imported" && result.message) line.append(el("div", { class: "muted message" }, result.message));
    row.append(line);
    if (result.warnings && result.warnings.length) {
      const warnings = el("ul", { class: "warnings" });
      result.warnings.forEach((w) => warnings.append(el("li", {}, "⚠ " + w)));
      row.append(warnings);
    }
  }

  function errorMessage(xhr, file) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body.error && body.error.message) return body.error.message;
    } catch (e) { /* not JSON: fall through */ }
    return file.name + ": the upload failed (HTTP " + xhr.status + ")";
  }

  function pollJob(jobId, row, bar) {
    const seen = new Set();
    const status = el("div", { class: "muted job-status" }, "Archive queued…");
    row.append(status);
    return new Promise((resolve) => {
      function tick() {
        fetch("/api/jobs/" + jobId + "/", { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then((r) => r.json())
          .then((job) => {
            const progress = job.progress || {};
            const done = progress.done ?? job.progress_done ?? 0;
            const total = progress.total ?? job.progress_total;
            if (total) { bar.max = total; bar.value = done; }
            (job.results || []).forEach((result, i) => { if (!seen.has(i)) { seen.add(i); showResult(row, result); } });
            status.textContent = job.status + (total ? " · " + done + " of " + total : "") + (job.message ? " · " + job.message : "");
            if (job.status === "done" || job.status === "failed") resolve(); else setTimeout(tick, 1000);
          })
          .catch(() => setTimeout(tick, 3000));
      }
      tick();
    });
  }

  // A zip is recognised by its first bytes, as the server does (a renamed export is still an archive).
  function isZip(file) {
    return file.slice(0, 4).arrayBuffer()
      .then((buffer) => {
        const b = new Uint8Array(buffer);
        return b.length === 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
      })
      .catch(() => /\.zip$/i.test(file.name));
  }

  async function upload(file) {
    const row = el("li", { class: "upload-item" });
    row.append(el("strong", {}, file.name));
    const bar = el("progress", { max: "100", value: "0" });
    row.append(bar);
    list.append(row);
    // Archives have their own, larger limit; checked here too so a too-large file is never sent at all.
    const archive = await isZip(file);
    const limit = archive ? maxArchiveBytes : maxBytes;
    if (file.size > limit) {
      bar.remove();
      const what = archive ? "archive" : "upload";
      const mb = Math.round(limit / 1048576);
      showResult(row, { file: file.name, status: "error", message: file.name + ": " + file.size + " bytes is more than the " + mb + " MB " + what + " limit", warnings: [] });
      return;
    }
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.open("POST", uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", zone.dataset.csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; } };
      xhr.onload = () => {
        if (xhr.status === 202) {
          const body = JSON.parse(xhr.responseText);
          bar.removeAttribute("value");
          pollJob(body.job, row, bar).then(resolve);
          return;
        }
        bar.value = bar.max;
        if (xhr.status >= 200 && xhr.status < 300) {
          JSON.parse(xhr.responseText).forEach((result) => showResult(row, result));
        } else {
          showResult(row, { file: file.name, status: "error", message: errorMessage(xhr, file), warnings: [] });
        }
        resolve();
      };
      xhr.onerror = () => { showResult(row, { file: file.name, status: "error", message: file.name + ": network error", warnings: [] }); resolve(); };
      xhr.send(form);
    });
  }

  // Once a batch is done, the server's log of recent imports is redrawn from the page itself.
  function refreshRecent() {
    const current = document.getElementById("recent-imports");
    if (!current) return;
    fetch(window.location.href, { credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("recent-imports");
        if (fresh) current.replaceWith(fresh);
      })
      .catch(() => { /* the per-file results above already say everything */ });
  }

  async function drain() {
    if (busy) return;
    busy = true;
    while (queue.length) await upload(queue.shift());
    busy = false;
    refreshRecent();
  }

  function add(files) { Array.from(files).forEach((f) => queue.push(f)); drain(); }

  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  zone.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
  zone.addEventListener("drop", (e) => add(e.dataTransfer.files));
})();
