// The full re-match job page: follow the background job, then reload to show how it ended.
(() => {
  const box = document.getElementById("match-progress");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const bar = document.getElementById("match-bar");
  const state = document.getElementById("match-state");
  const count = document.getElementById("match-count");
  const written = document.getElementById("match-suggestions");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.percent;
        bar.textContent = `${job.percent}%`;
        state.textContent = job.label;
        state.dataset.status = job.status;
        count.textContent = `${job.processed}/${job.total}`;
        written.textContent = `${job.suggestions}`;
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
