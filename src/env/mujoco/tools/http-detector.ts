/**
 * The pluggable detector: a service with the paper's /segment_all request (enpire-paper.md §2.1), so a lab can
 * point the tools at a real segmentation model. POST `{url}/segment_all` with `{ text, image_b64, score_threshold }`
 * (image_b64: a PNG of the cropped, blanked frame) and read `{ detections: [{ mask_b64, score, bbox_xywh, mask_area }] }`
 * (mask_b64: base64 of a numpy .npy bool/uint8 mask of the frame's size). The call blocks (sync-http.ts), because a
 * policy's tool calls are synchronous.
 */
import { z } from "zod";
import { encodePng } from "../../image/png.js";
import { readNpyMask } from "./npy.js";
import type { RawDetection } from "./segment.js";
import { postJsonSync, SYNC_HTTP_DEFAULTS } from "./sync-http.js";

const ReplySchema = z.object({
  detections: z.array(
    z.object({
      mask_b64: z.string(),
      score: z.number(),
      bbox_xywh: z.array(z.number()).optional(),
      mask_area: z.number().optional(),
    }),
  ),
});

/** Asks the service at `url` for every instance of `text` in a size × size RGB frame. */
export function httpSegmentAll(
  url: string,
  req: { text: string; rgb: Uint8Array; size: number; scoreThreshold: number },
  timeoutMs: number = SYNC_HTTP_DEFAULTS.timeoutMs,
): RawDetection[] {
  const endpoint = `${url.replace(/\/+$/, "")}/segment_all`;
  const body = JSON.stringify({
    text: req.text,
    image_b64: Buffer.from(encodePng(req.rgb, req.size, req.size)).toString("base64"),
    score_threshold: req.scoreThreshold,
  });
  const res = postJsonSync(endpoint, body, timeoutMs);
  if (res.status !== 200)
    throw new Error(`detector ${endpoint} answered HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new Error(`detector ${endpoint} answered with something that is not JSON: ${res.text.slice(0, 80)}`);
  }
  const parsed = ReplySchema.safeParse(json);
  if (!parsed.success) throw new Error(`detector ${endpoint} answered an unexpected shape: ${parsed.error.message}`);
  return parsed.data.detections.map((d, i) => {
    const m = readNpyMask(Buffer.from(d.mask_b64, "base64"));
    if (m.width !== req.size || m.height !== req.size)
      throw new Error(`detection ${i}: mask is ${m.width} × ${m.height}, the frame ${req.size} × ${req.size}`);
    return { mask: m.data, score: d.score };
  });
}
