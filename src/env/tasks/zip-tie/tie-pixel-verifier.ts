/**
 * A zip-tie-tie verifier from pixels only, as the paper's zip-tie verifier (§3.4): each of two views judges on its
 * own whether the strap passes through the head above a fixed length, and the verdicts are fused with AND (guarding
 * against one view's false positive). In each view, the pixels of the strap's light colour are cast into the world
 * through the frame's depth and camera model; the ones within `axisRadius` of the slot's axis and above the slot's
 * exit are the strap that came through, and the highest of them says how far. The two room cameras at the sides,
 * `left` and `right`, judge (the top camera looks down on the arm that holds the head, which hides the slot).
 */
import { colourMask, type FrameLike, worldPoints } from "../../verifiers/pixels.js";

export const TIE_PIXEL_VERIFIER = Object.freeze({
  // the room cameras that judge, each on its own, with how far above the exit each must see the strap (m): the left
  // view sees the slot from afar (about 5 mm a pixel row there at 128 px), so it only checks that the strap came
  // through; the right view is nearer and checks the length (the task counts 15 mm for the tip). Set on the train
  // split of a recorded set (near misses at 14.6-14.8 mm, successes at 15.0-15.1 mm in the right view).
  views: [
    { camera: "left", pastExit: 0.011 },
    { camera: "right", pastExit: 0.0149 },
  ] as const,
  minValue: 70, // the strap's off-white (0.92, 0.92, 0.88) on lit and shaded faces: red channel at least this …
  maxRedGreen: 6, // … red and green within this of each other (0..255) …
  blueRatio: [0.9, 1] as const, // … and blue this fraction of red (the strap's is 0.96; the arms' pads are black)
  exit: [0.33, -0.17, 0.206] as const, // m, the slot's exit (the head's entrance + the 6 mm slot: task header)
  axisRadius: 0.006, // m, strap points within this of the slot's vertical axis
  minPoints: 3, // strap points above the exit needed before a view trusts its height
});

export interface TieSnapshot {
  cameras: Record<string, FrameLike>;
}

/** How far above the slot's exit the strap reaches in one view (m), or null when the view sees no strap there. */
function protrusion(f: FrameLike | undefined): number | null {
  const c = TIE_PIXEL_VERIFIER;
  if (!f) return null;
  const pts = worldPoints(
    f,
    colourMask(
      f,
      (r, g, b) =>
        r >= c.minValue && Math.abs(r - g) <= c.maxRedGreen && b >= c.blueRatio[0] * r && b <= c.blueRatio[1] * r,
    ),
  ).filter((p) => Math.hypot(p[0] - c.exit[0], p[1] - c.exit[1]) <= c.axisRadius && p[2] > c.exit[2] + 0.001);
  if (pts.length < c.minPoints) return null;
  return Math.max(...pts.map((p) => p[2])) - c.exit[2];
}

export function verifyTie(s: TieSnapshot): { success: boolean; reason?: string; views: Record<string, boolean> } {
  const c = TIE_PIXEL_VERIFIER;
  const views: Record<string, boolean> = {};
  const reasons: string[] = [];
  for (const { camera, pastExit } of c.views) {
    const h = protrusion(s.cameras[camera]);
    views[camera] = h !== null && h >= pastExit;
    if (!views[camera]) {
      reasons.push(
        h === null
          ? `the ${camera} view sees no strap above the slot's exit`
          : `the ${camera} view sees the strap ${(h * 1000).toFixed(1)} mm past the exit (< ${pastExit * 1000} mm)`,
      );
    }
  }
  return { success: Object.values(views).every(Boolean), reason: reasons.join("; ") || undefined, views };
}
