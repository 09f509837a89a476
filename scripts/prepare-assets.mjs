// Copies the Swagger UI, ReDoc and Chart.js bundles from node_modules into public/static/vendor,
// so the docs and the dashboard are served by Workers static assets and never from a CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const vendor = join(root, "public", "static", "vendor");

const assets = {
  "swagger-ui": { from: dirname(require.resolve("swagger-ui-dist/package.json")), files: ["swagger-ui.css", "swagger-ui-bundle.js"] },
  redoc: { from: join(dirname(require.resolve("redoc/package.json")), "bundles"), files: ["redoc.standalone.js"] },
  // The dashboard's charts (see README "Dashboard" for why Chart.js).
  // chart.js exports no ./package.json; its main entry lives in dist/.
  "chart.js": { from: dirname(require.resolve("chart.js")), files: ["chart.umd.min.js"] },
};

for (const [name, { from, files }] of Object.entries(assets)) {
  mkdirSync(join(vendor, name), { recursive: true });
  for (const file of files) copyFileSync(join(from, file), join(vendor, name, file));
}
console.log(`docs and dashboard assets ready in ${vendor}`);
