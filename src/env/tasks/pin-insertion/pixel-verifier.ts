/**
 * A pin-insertion verifier from pixels and proprioception only, as the paper's `is_aligned AND z <= height AND
 * force` (§3.2): aligned = the surface under the right wrist camera's centre is the pin box's top (cast into the world
 * through the camera's depth and model), z = the EE's height from proprioception at most the seated height, force =
 * the EE wrench's force under the task's limit now. Each is a view; the verdict is their AND. It cannot see a force
 * peak earlier in the trial, which the state predicate counts (a known blind spot).
 */
import { backProject, type FrameLike, proprioValue, quantile } from "../../verifiers/pixels.js";

export const PIN_PIXEL_VERIFIER = Object.freeze({
  camera: "right_wrist_cam", // the arm that holds the pin
  patch: 5, // px, side of the central patch cast into the world
  boxTop: 0.02, // m, the pin box's top (task header)
  boxTopTol: 0.006, // m, the surface under the camera within this of the box top counts as over the box
  seatedEeZ: 0.0425, // m, EE height at most this: pin seated (EE 38-42 mm when seated, ±2 mm grasp jitter)
  forceLimit: 5, // N, EE contact force now
});

export interface PinSnapshot {
  cameras: Record<string, FrameLike>;
  proprio: number[];
  proprioNames: string[];
}

export function verifyPin(s: PinSnapshot): { success: boolean; reason?: string; views: Record<string, boolean> } {
  const c = PIN_PIXEL_VERIFIER;
  const f = s.cameras[c.camera];
  const zs: number[] = [];
  if (f) {
    const h = Math.floor(c.patch / 2);
    for (let row = f.height / 2 - h; row <= f.height / 2 + h; row++) {
      for (let col = f.width / 2 - h; col <= f.width / 2 + h; col++) {
        const p = backProject(f, Math.round(col), Math.round(row));
        if (p) zs.push(p[2]);
      }
    }
  }
  const under = quantile(zs, 0.5);
  const aligned = under !== null && Math.abs(under - c.boxTop) <= c.boxTopTol;
  const z = proprioValue(s, "ee z m");
  const force = Math.hypot(
    proprioValue(s, "ee force x N"),
    proprioValue(s, "ee force y N"),
    proprioValue(s, "ee force z N"),
  );
  const low = z <= c.seatedEeZ;
  const gentle = force <= c.forceLimit;
  const reasons: string[] = [];
  if (!aligned)
    reasons.push(
      `not over the box (surface under the wrist at ${under === null ? "none" : (under * 1000).toFixed(1)} mm)`,
    );
  if (!low) reasons.push(`too high: EE at ${(z * 1000).toFixed(1)} mm > ${c.seatedEeZ * 1000} mm`);
  if (!gentle) reasons.push(`too much force: ${force.toFixed(1)} N`);
  return {
    success: aligned && low && gentle,
    reason: reasons.length ? reasons.join("; ") : undefined,
    views: { wrist: aligned, height: low, force: gentle },
  };
}
