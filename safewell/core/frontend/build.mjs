// `npm run build`: compile our SCSS with GOV.UK Frontend and copy the browser JavaScript
// into safewell/static/build/ (git-ignored; `make assets` runs this after `npm ci`).
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const modules = join(root, "node_modules");
const out = join(root, "safewell/static/build");

mkdirSync(out, { recursive: true });

const css = sass.compile(join(here, "safewell.scss"), {
  loadPaths: [modules],
  style: "compressed",
  // GOV.UK Frontend's own deprecation notices are theirs to fix, not ours.
  quietDeps: true,
});
writeFileSync(join(out, "safewell.css"), css.css);

const copies = [
  // The ES module bundle: app.js imports it, so it must sit beside app.js.
  [join(modules, "govuk-frontend/dist/govuk/govuk-frontend.min.js"), "govuk-frontend.min.js"],
  [join(modules, "htmx.org/dist/htmx.min.js"), "htmx.min.js"],
  [join(here, "app.js"), "app.js"],
  // The register page's keyboard marking and offline queue (attendance/registers/…).
  [join(here, "register.js"), "register.js"],
];
for (const [from, to] of copies) {
  copyFileSync(from, join(out, to));
}

console.log(`built ${out}: safewell.css, ${copies.map(([, to]) => to).join(", ")}`);
