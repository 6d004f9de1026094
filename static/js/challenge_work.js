// The application form: more consortium member rows without a round trip to the server.
(() => {
  const box = document.getElementById("members");
  const button = document.getElementById("add-member");
  if (!box || !button) {
    return;
  }
  const max = Number(box.dataset.max || "10");
  const rows = () => box.querySelectorAll(".member-row");
  const refresh = () => {
    button.disabled = rows().length >= max;
  };
  button.classList.remove("d-none");
  refresh();
  button.addEventListener("click", () => {
    const all = rows();
    if (all.length >= max) {
      return;
    }
    const last = all[all.length - 1];
    const copy = last.cloneNode(true);
    const index = all.length;
    copy.querySelectorAll("input, select").forEach((element) => {
      element.name = element.name.replace(/members-\d+-/, `members-${index}-`);
      element.id = element.id.replace(/members-\d+-/, `members-${index}-`);
      if (element.tagName === "SELECT") {
        element.selectedIndex = 0;
      } else {
        element.value = "";
      }
    });
    last.after(copy);
    copy.querySelector("input").focus();
    refresh();
  });
})();
