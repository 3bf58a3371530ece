// build.mjs - bundles the page with esbuild into build/web/ (app.js, app.css, index.html),
// minified, no source maps; run by `make` (npm ci first) when master/web changes.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || resolve(here, "../../build/web"));
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [resolve(here, "src/main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  outfile: resolve(out, "app.js"),
  logLevel: "warning",
});
await build({
  entryPoints: [resolve(here, "src/app.css")],
  bundle: true,
  minify: true,
  outfile: resolve(out, "app.css"),
  logLevel: "warning",
});
copyFileSync(resolve(here, "src/index.html"), resolve(out, "index.html"));
