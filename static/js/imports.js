// The import job page: follow the background import, then reload to show its summary.
(() => {
  const box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  const bar = document.getElementById("import-bar");
  const state = document.getElementById("import-state");
  const count = document.getElementById("import-count");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.percent;
        bar.textContent = `${job.percent}%`;
        state.textContent = job.label;
        count.textContent = `${job.processed}/${job.total}`;
        if (job.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A network hiccup: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
})();
