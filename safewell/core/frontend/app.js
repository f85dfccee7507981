// Safewell's own browser code, loaded as an ES module from 'self' (no inline script: CSP).
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend styles some components only when it knows its JavaScript will run. Its
// template sets this class with an inline script, which our CSP refuses, so we set it here:
// a browser that runs this module supports GOV.UK Frontend.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// htmx requests carry Django's CSRF token, read from <meta name="csrf-token"> in base.html.
document.body.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) {
    event.detail.headers["X-CSRFToken"] = meta.content;
  }
});
