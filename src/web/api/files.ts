/**
 * Safe file serving: `/files/<path relative to the store root>` (trial videos, events.jsonl, result.json) and the
 * UI's own static files. A request path is decoded once, segment by segment; a segment that is empty, `.` or `..`,
 * hidden, or still holds `%`, `/`, `\` or NUL after decoding is refused, and the file's real path (symlinks resolved)
 * must lie inside the root's real path. Anything refused is a plain 404, the same as a missing file, so a probe
 * learns nothing. Range requests (one range) answer 206 so a `<video>` element can seek.
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";

/** Content types by extension; anything else is served as bytes to download. */
const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".json": "application/json; charset=utf-8",
  ".jsonl": "text/plain; charset=utf-8", // shown in the browser, not downloaded
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".gif": "image/gif",
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".ico": "image/x-icon",
});

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The real path of the regular file that `encodedRelative` (a URL path below the mount point, still
 * percent-encoded) names inside `root`, or null when it names nothing there or is refused.
 */
export function resolveInside(root: string, encodedRelative: string): string | null {
  if (encodedRelative.includes("\0")) return null;
  const segments = encodedRelative.split("/");
  const decoded: string[] = [];
  for (const raw of segments) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return null; // malformed escape
    }
    if (s === "" || s === "." || s === ".." || s.startsWith(".")) return null;
    if (/[%/\\]/.test(s) || hasControlCharacter(s)) return null;
    decoded.push(s);
  }
  if (decoded.length === 0) return null;
  let realRoot: string;
  let real: string;
  try {
    realRoot = fs.realpathSync(root);
    real = fs.realpathSync(path.join(realRoot, ...decoded));
  } catch {
    return null;
  }
  if (!real.startsWith(realRoot + path.sep)) return null;
  try {
    if (!fs.statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real;
}

/** NUL and the other C0 control characters, and DEL: never in a file name the store writes. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

type Range = { start: number; end: number } | "unsatisfiable" | null;

/** One `bytes=` range of a file of `size` bytes: null for none (or one this server ignores: several ranges). */
export function parseRange(header: string | undefined, size: number): Range {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === "" && b === "") return null;
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

/** A response with the file at `real` (already resolved by resolveInside), honouring a Range header. */
export function fileResponse(real: string, rangeHeader: string | undefined, extraHeaders: Record<string, string>) {
  const size = fs.statSync(real).size;
  const headers: Record<string, string> = {
    "Content-Type": contentType(real),
    "Accept-Ranges": "bytes",
    "X-Content-Type-Options": "nosniff",
    ...extraHeaders,
  };
  const range = parseRange(rangeHeader, size);
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers["Content-Length"] = String(length);
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  const body =
    length === 0
      ? null
      : (Readable.toWeb(fs.createReadStream(real, { start, end })) as unknown as ReadableStream<Uint8Array>);
  return new Response(body, { status: range ? 206 : 200, headers });
}
