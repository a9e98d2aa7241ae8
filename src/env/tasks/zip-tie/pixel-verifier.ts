/**
 * A zip-tie-cut verifier from pixels and proprioception, two views each with its own verdict, fused with AND as the
 * paper's zip-tie verifier: (1) the right wrist camera: no strap-coloured point (cast into the world through depth)
 * hangs more than `maxHang` below the head near its axis, so the tail has parted; (2) the gripper: the blades closed
 * (width from proprioception), as they are after a cut.
 */
import { colourMask, type FrameLike, near, proprioValue, worldPoints } from "../../verifiers/pixels.js";

export const ZIP_PIXEL_VERIFIER = Object.freeze({
  camera: "right_wrist_cam",
  strapRgb: [0.92, 0.92, 0.88] as const, // the strap's colour (0..1)
  colourTol: 30, // per channel, 0..255
  head: [0.4, -0.2, 0.2] as const, // m, the head's underside (task header)
  axisRadius: 0.03, // m, strap points within this of the head's vertical axis
  maxHang: 0.03, // m, a strap point lower than this below the head means the tail still hangs
  closedWidth: 0.001, // m, blade gap at most this: closed
});

export interface ZipSnapshot {
  cameras: Record<string, FrameLike>;
  proprio: number[];
  proprioNames: string[];
}

export function verifyZipTie(s: ZipSnapshot): { success: boolean; reason?: string; views: Record<string, boolean> } {
  const c = ZIP_PIXEL_VERIFIER;
  const f = s.cameras[c.camera];
  let hang = 0;
  if (f) {
    const pts = worldPoints(
      f,
      colourMask(f, (r, g, b) => near(r, g, b, c.strapRgb, c.colourTol)),
    );
    for (const p of pts) {
      if (Math.hypot(p[0] - c.head[0], p[1] - c.head[1]) > c.axisRadius || p[2] > c.head[2] || p[2] < 0.03) continue;
      hang = Math.max(hang, c.head[2] - p[2]);
    }
  }
  const parted = hang <= c.maxHang;
  const width = proprioValue(s, "gripper width m");
  const closed = width <= c.closedWidth;
  const reasons: string[] = [];
  if (!parted) reasons.push(`the strap still hangs ${(hang * 1000).toFixed(0)} mm below the head in the wrist view`);
  if (!closed) reasons.push(`blades open (${(width * 1000).toFixed(1)} mm)`);
  return {
    success: parted && closed,
    reason: reasons.join("; ") || undefined,
    views: { wrist: parted, gripper: closed },
  };
}
