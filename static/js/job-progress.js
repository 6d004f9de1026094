// A background job's page (an import, a full re-match): follow the job through its JSON status,
// then reload to show how it ended. The page marks the box with data-job-progress (and its
// data-status-url) and the parts to update with data-job-field: "percent" (a <progress>),
// "label", "count" (processed/total) or any other field of the status.
(() => {
  const box = document.querySelector("[data-job-progress]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const show = (job) => {
    box.querySelectorAll("[data-job-field]").forEach((element) => {
      const name = element.dataset.jobField;
      if (name === "percent") {
        element.value = job.percent;
        element.textContent = `${job.percent}%`;
      } else if (name === "count") {
        element.textContent = `${job.processed}/${job.total}`;
      } else if (name === "label") {
        element.textContent = job.label;
        element.dataset.status = job.status;
      } else if (name in job) {
        element.textContent = `${job[name]}`;
      }
    });
  };
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        show(job);
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
