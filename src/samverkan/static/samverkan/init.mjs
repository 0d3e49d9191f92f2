// Start GOV.UK Frontend's components (no inline script: a strict CSP allows this file).
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";
// Each form's draft is kept in this tab until its receipt (docs/forms.md).
import "./drafts.mjs";

// A browser that runs this module supports GOV.UK Frontend's JavaScript.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Content swapped in by htmx: start the components in it. Searching from the
// parent also finds a swapped element that is itself a component; components
// that are already running report an InitError, which we ignore.
document.body.addEventListener("htmx:load", (event) => {
  const element = event.detail && event.detail.elt;
  if (!element || element === document.body) {
    return;
  }
  initAll({
    scope: element.parentElement || element,
    onError(error) {
      if (error && error.name !== "InitError") {
        console.error(error);
      }
    },
  });
});
