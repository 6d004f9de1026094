// Site-wide behaviour without inline script (the CSP forbids it).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A form sent back with an error: bring its first wrong field into view and focus it, so the message
// beside it is seen instead of the top of a long page.
document.addEventListener("DOMContentLoaded", () => {
  const wrong = document.querySelector("form .is-invalid");
  if (wrong) {
    wrong.scrollIntoView({ block: "center" });
    wrong.focus({ preventScroll: true });
  }
});
