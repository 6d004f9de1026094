// Challenge pages: countdowns that tick from the server's time, and the draft form's criteria and
// milestone rows (add, remove, running totals). Without script the server's text and the form's
// fixed rows work on their own.
(() => {
  const loadedAt = Date.now();

  const fill = (template, n) => template.replace("%(n)s", String(n));

  const render = (el) => {
    const deadline = Date.parse(el.dataset.deadline);
    const serverNow = Date.parse(el.dataset.now);
    const left = Math.floor((deadline - serverNow - (Date.now() - loadedAt)) / 1000);
    if (left <= 0) {
      el.textContent = el.dataset.over;
      el.classList.add("countdown-over");
      return false;
    }
    const d = Math.floor(left / 86400);
    const h = Math.floor((left % 86400) / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    el.textContent = d
      ? `${fill(el.dataset.day, d)} ${fill(el.dataset.hour, h)} ${fill(el.dataset.minute, m)}`
      : `${fill(el.dataset.hour, h)} ${fill(el.dataset.minute, m)} ${fill(el.dataset.second, s)}`;
    el.classList.toggle("countdown-soon", left < 86400);
    return true;
  };

  const counters = Array.from(document.querySelectorAll(".countdown[data-deadline]"));
  if (counters.length) {
    const tick = () => {
      counters.forEach(render);
    };
    tick();
    window.setInterval(tick, 1000);
  }

  // ---- the draft form: rows and totals
  const sumOf = (table, name) =>
    Array.from(table.querySelectorAll(`input[name="${name}"]`)).reduce((total, input) => {
      const value = parseInt(input.value, 10);
      return total + (Number.isNaN(value) ? 0 : value);
    }, 0);

  document.querySelectorAll("table[data-rows]").forEach((table) => {
    const body = table.querySelector("tbody");
    const template = document.getElementById(table.dataset.template);
    const total = document.getElementById(table.dataset.total);
    const addButton = document.getElementById(table.dataset.add);
    const max = parseInt(table.dataset.max, 10);
    const sumName = table.dataset.sum;

    const update = () => {
      if (total) {
        const sum = sumOf(table, sumName);
        total.textContent = String(sum);
        total.classList.toggle("text-danger", sum !== 100);
        total.classList.toggle("text-success", sum === 100);
      }
      if (addButton) {
        addButton.disabled = body.rows.length >= max;
      }
    };
    table.querySelectorAll(".row-remove").forEach((b) => b.classList.remove("d-none"));
    if (addButton) {
      addButton.classList.remove("d-none");
      addButton.addEventListener("click", () => {
        if (body.rows.length >= max || !template) {
          return;
        }
        body.appendChild(template.content.cloneNode(true));
        body.lastElementChild.querySelectorAll(".row-remove").forEach((b) => b.classList.remove("d-none"));
        const first = body.lastElementChild.querySelector("input");
        if (first) {
          first.focus();
        }
        update();
      });
    }
    table.addEventListener("click", (event) => {
      const button = event.target.closest(".row-remove");
      if (!button) {
        return;
      }
      const row = button.closest("tr");
      if (body.rows.length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach((input) => {
          input.value = "";
        });
      }
      update();
    });
    table.addEventListener("input", update);
    update();
  });
})();
