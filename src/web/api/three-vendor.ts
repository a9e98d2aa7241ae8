/**
 * three.js for the Fleet page's 3D station views, served from the installed package (no CDN, no build step):
 *
 *   GET /vendor/three/three.module.js   three's ES module (it imports ./three.core.js next to it)
 *   GET /vendor/three/three.core.js
 *   GET /vendor/three/OrbitControls.js  the orbit controls addon; it imports "three" by bare name, which
 *                                       index.html's import map sends to /vendor/three/three.module.js
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { Hono } from "hono";
import { fileResponse } from "./files.js";

const require = createRequire(import.meta.url);
/** three's build folder (.../three/build), from the installed package. */
const THREE_BUILD = path.dirname(require.resolve("three"));

/** The files served, by the name in the URL. */
const THREE_FILES: Readonly<Record<string, string>> = Object.freeze({
  "three.module.js": path.join(THREE_BUILD, "three.module.js"),
  "three.core.js": path.join(THREE_BUILD, "three.core.js"),
  "OrbitControls.js": require.resolve("three/examples/jsm/controls/OrbitControls.js"),
});

/** Adds `/vendor/three/:file` to the UI's app (before its static catch-all). */
export function registerThreeVendor(app: Hono): void {
  app.get("/vendor/three/:file", (c) => {
    const file = Object.hasOwn(THREE_FILES, c.req.param("file")) ? THREE_FILES[c.req.param("file")] : undefined;
    if (!file) return c.text("not found", 404);
    return fileResponse(file, undefined, { "Cache-Control": "max-age=3600" });
  });
}
