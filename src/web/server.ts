/**
 * `enpire ui`'s server: a Hono app with the JSON API (api/runs.ts), live updates (api/stream.ts), the store's files
 * under /files/ (api/files.ts), uPlot under /vendor/uplot/ and the front end from src/web/static/ at /.
 *
 * On a loopback address no token is needed, and requests whose Host is not a loopback name are refused (so a web page
 * elsewhere cannot reach the server by DNS rebinding). On any other address every request needs the access token:
 * `?token=` once (it becomes a cookie), the cookie, or `Authorization: Bearer <token>`.
 *
 * @example const ui = await serveUi({ store: RunStore.open(), port: 8300 }); console.log(ui.url); await ui.close();
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { RunStore } from "../rollout/store.js";
import { benchesApi } from "./api/benches.js";
import { fileResponse, resolveInside } from "./api/files.js";
import { registerFleetRoutes } from "./api/fleet.js";
import { researchApi } from "./api/research.js";
import { ApiError, runsApi } from "./api/runs.js";
import { ManifestCache } from "./api/shapes.js";
import { StoreWatcher, streamHandler } from "./api/stream.js";
import { registerThreeVendor } from "./api/three-vendor.js";

/** The package root, from src/web (tsx) or dist/web (built). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The front end: plain browser modules, served as they are (no build step), from the sources in either case. */
export const STATIC_DIR = path.join(PACKAGE_ROOT, "src", "web", "static");
/** uPlot's browser files, from the installed package. */
const UPLOT_DIR = path.dirname(createRequire(import.meta.url).resolve("uplot")); // .../uplot/dist
const UPLOT_FILES: Readonly<Record<string, string>> = Object.freeze({
  "uPlot.esm.js": "uPlot.esm.js",
  "uPlot.min.css": "uPlot.min.css",
});
/** The cookie that carries the access token after `?token=`. */
const TOKEN_COOKIE = "enpire_ui_token";
/** Files from the store may be anything a trial wrote: never let one run script or load from elsewhere. */
const FILES_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

export interface UiAppOptions {
  store: RunStore;
  staticDir?: string;
  /** Reported at /api/config; only with it does `POST /api/fleet/stations/:id/control` exist (api/fleet.ts). */
  allowControl?: boolean;
  /** When set, every request must carry it (see the file header). */
  token?: string;
  /** The shared watcher behind /api/stream (one is made when absent). */
  watcher?: StoreWatcher;
}

/** Whether `host` is a loopback address or name (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The path of a request URL exactly as sent (percent-encoded), without query or fragment. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf(":") + 3);
  const rest = start < 0 ? "/" : url.slice(start);
  return rest.split(/[?#]/, 1)[0];
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The UI's Hono app: answer with `app.request(...)` in tests, or serve it with serveUi. */
export function createUiApp(options: UiAppOptions): Hono {
  const { store, token } = options;
  const staticDir = options.staticDir ?? STATIC_DIR;
  const manifests = new ManifestCache(store);
  const watcher = options.watcher ?? new StoreWatcher(store, manifests);
  const app = new Hono();

  app.use("*", async (c, next) => {
    if (!token) {
      const host = (c.req.header("host") ?? "localhost").replace(/:\d+$/, "");
      if (!isLoopback(host)) return c.json({ error: `refused: Host "${host}" is not a loopback name` }, 403);
      return next();
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (sameSecret(bearer, token) || sameSecret(getCookie(c, TOKEN_COOKIE), token)) return next();
    if (sameSecret(c.req.query("token"), token)) {
      setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: "Strict", path: "/" });
      if (c.req.method !== "GET") return next();
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(`${url.pathname}${url.search}`, 302);
    }
    return c.json({ error: "this server needs its access token: open the URL that `enpire ui` printed" }, 401);
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json({ error: err.message }, err.status);
    process.stderr.write(`enpire ui: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}\n`);
    return c.json({ error: err.message }, 500);
  });

  app.route("/api", runsApi(store, manifests));
  app.route("/api", benchesApi(store));
  app.get("/api/stream", streamHandler(watcher));
  app.get("/api/config", (c) => c.json({ allowControl: options.allowControl ?? false }));
  registerFleetRoutes(app, { store, allowControl: options.allowControl ?? false });
  app.route("/api", researchApi(store));
  app.all("/api/*", (c) => c.json({ error: `no API route ${c.req.method} ${c.req.path}` }, 404));

  const notFound = (c: Context) => c.text("not found", 404);

  app.get("/files/*", (c) => {
    const rel = rawPath(c.req.url).replace(/^\/files\//, "");
    const real = resolveInside(store.root, rel);
    if (!real) return notFound(c);
    return fileResponse(real, c.req.header("range"), { "Content-Security-Policy": FILES_CSP });
  });

  app.get("/vendor/uplot/:file", (c) => {
    const name = UPLOT_FILES[c.req.param("file")];
    if (!name) return notFound(c);
    return fileResponse(path.join(UPLOT_DIR, name), undefined, { "Cache-Control": "max-age=3600" });
  });

  registerThreeVendor(app); // three.js for the Fleet page's 3D views

  app.get("*", (c) => {
    const p = rawPath(c.req.url);
    const real = resolveInside(staticDir, p === "/" ? "index.html" : p.slice(1));
    if (!real) return notFound(c);
    return fileResponse(real, c.req.header("range"), { "Cache-Control": "no-cache" });
  });

  return app;
}

export interface ServeUiOptions {
  store: RunStore;
  port?: number; // 0: any free port
  host?: string;
  allowControl?: boolean;
  staticDir?: string;
}

export interface UiServer {
  url: string;
  /** The access token, needed when bound to a non-loopback address; null on loopback. */
  token: string | null;
  close(): Promise<void>;
}

/** Serves the UI over HTTP until `close()`. A non-loopback host gets a fresh random access token. */
export async function serveUi(options: ServeUiOptions): Promise<UiServer> {
  const host = options.host ?? "127.0.0.1";
  const token = isLoopback(host) ? null : randomBytes(24).toString("base64url");
  const watcher = new StoreWatcher(options.store, new ManifestCache(options.store));
  const app = createUiApp({
    store: options.store,
    staticDir: options.staticDir,
    allowControl: options.allowControl,
    token: token ?? undefined,
    watcher,
  });
  if (!fs.existsSync(options.staticDir ?? STATIC_DIR)) {
    process.stderr.write(`enpire ui: no front end at ${options.staticDir ?? STATIC_DIR}; serving the API only\n`);
  }
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: options.port ?? 8300, hostname: host }, (info) =>
        resolve({ server, address: info }),
      );
      server.once("error", reject);
    },
  );
  const shownHost = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    token,
    close: async () => {
      watcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}
