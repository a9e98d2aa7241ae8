/**
 * A gpu-insertion verifier from pixels and proprioception only: the card and board (green) fill more of the left
 * wrist camera's view the lower the card sits (its bottom edge down in the slot), the EE's height from
 * proprioception is at most the seated height, and the contact force now is under the limit. Each is a view; the
 * verdict is their AND. It cannot see an earlier force peak, which the state predicate counts.
 */
import { colourMask, type FrameLike, proprioValue } from "../../verifiers/pixels.js";

export const GPU_PIXEL_VERIFIER = Object.freeze({
  camera: "left_wrist_cam", // the arm that holds the card
  minGreen: 3650, // px at 128×128 (scaled by area): seated cards fill 3,700-3,900, a card above the slot under 3,400
  seatedEeZ: 0.0308, // m, EE height at most this (27-30.5 mm seated)
  forceLimit: 15, // N
});

export interface GpuSnapshot {
  cameras: Record<string, FrameLike>;
  proprio: number[];
  proprioNames: string[];
}

export function verifyGpu(s: GpuSnapshot): { success: boolean; reason?: string; views: Record<string, boolean> } {
  const c = GPU_PIXEL_VERIFIER;
  const f = s.cameras[c.camera];
  let green = 0;
  if (f) {
    const m = colourMask(f, (r, g, b) => g > r + 25 && g > b + 15);
    for (const v of m) green += v;
    green = (green * 128 * 128) / (f.width * f.height);
  }
  const seen = green >= c.minGreen;
  const z = proprioValue(s, "ee z m");
  const force = Math.hypot(
    proprioValue(s, "ee force x N"),
    proprioValue(s, "ee force y N"),
    proprioValue(s, "ee force z N"),
  );
  const low = z <= c.seatedEeZ;
  const gentle = force <= c.forceLimit;
  const reasons: string[] = [];
  if (!seen)
    reasons.push(`card not down in the slot in the wrist view (${Math.round(green)} green px < ${c.minGreen})`);
  if (!low) reasons.push(`too high: EE at ${(z * 1000).toFixed(1)} mm`);
  if (!gentle) reasons.push(`too much force: ${force.toFixed(1)} N`);
  return {
    success: seen && low && gentle,
    reason: reasons.join("; ") || undefined,
    views: { wrist: seen, height: low, force: gentle },
  };
}
