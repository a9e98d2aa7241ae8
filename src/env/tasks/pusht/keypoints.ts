/**
 * Push-T keypoints: the T's 8 polygon corners in world px (bar then stem, in the order of geometry.ts), as the
 * reference's `environment_state_agent_pos` observation lists them, optionally followed by the agent position.
 */
import { T_PARTS } from "./geometry.js";

/** Number of block keypoint coordinates (8 corners × 2). */
export const BLOCK_KEYPOINT_COUNT = 16;

/**
 * Writes the 16 corner coordinates of a block with origin (x, y) px and angle `angle` rad into `out` (from
 * `offset`), rotating each body-frame corner by the angle (y down, as the reference) and adding the origin.
 * @example blockKeypoints(256, 256, Math.PI / 4).slice(0, 2) // [213.574…, 213.574…]
 */
export function blockKeypoints(
  x: number,
  y: number,
  angle: number,
  out: number[] | Float64Array = new Array<number>(BLOCK_KEYPOINT_COUNT),
  offset = 0,
): number[] | Float64Array {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  let k = offset;
  for (const part of T_PARTS) {
    for (const [px, py] of part) {
      out[k++] = px * c - py * s + x;
      out[k++] = px * s + py * c + y;
    }
  }
  return out;
}

/** The 18-number keypoint observation: 16 block corner coordinates, then the agent's x, y. */
export function keypointObservation(
  block: readonly [number, number, number],
  agent: readonly [number, number],
): number[] {
  const out = new Array<number>(BLOCK_KEYPOINT_COUNT + 2);
  blockKeypoints(block[0], block[1], block[2], out);
  out[16] = agent[0];
  out[17] = agent[1];
  return out;
}
