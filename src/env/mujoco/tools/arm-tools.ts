/**
 * The 3D stations' tool set, `ctx.tools.arm.<name>(...)` in a code policy (see core/tools.ts): perception on pixels
 * (segment.ts), grasp sampling (grasps.ts), control that answers the next action (control.ts) and free-space
 * planning (planner.ts). Plain data in and out; metres, degrees (rpy), world frame. Every call reads the station
 * through `host.env()` (its ArmEnv) and answers from what it sees now; nothing moves the simulation, and no call
 * reads an object's pose: a policy acts only through the action it returns.
 */
import type { ToolHost, ToolSet } from "../../../core/tools.js";
import { ArmEnv } from "../arm-env.js";
import { goHomeIn, gripperIn, moveLinearIn, nudgeIn, stateIn } from "./control.js";
import { sampleGraspsIn } from "./grasps.js";
import { followPathIn, planFreespaceIn } from "./planner.js";
import { type Detection, deprojectIn, type SegmentOptions, segmentAllIn } from "./segment.js";

/** The station's ArmEnv, or an Error saying why there is none. */
function armEnv(host: ToolHost): ArmEnv {
  const env = host.env?.();
  if (!env) throw new Error("no station env: the arm tools work during a trial of a 3D (MuJoCo) task");
  if (!(env instanceof ArmEnv)) throw new Error(`the arm tools need a 3D arm station; ${env.spec.id} is not one`);
  return env;
}

/** A detection as plain data (its mask bytes dropped; the RLE mask stays when asked for). */
function plain(d: Detection & { maskBytes?: Uint8Array }): Detection {
  const { maskBytes: _drop, ...rest } = d;
  return rest;
}

/** The "arm" tool set for one sandboxed policy. */
export function armTools(host: ToolHost): ToolSet {
  const functions = {
    segmentAll(opts: SegmentOptions) {
      const r = segmentAllIn(armEnv(host), opts);
      return {
        query: r.query,
        camera: r.camera,
        size: r.size,
        detector: r.detector,
        detections: r.detections.map(plain),
      };
    },
    segment(opts: SegmentOptions) {
      const best = segmentAllIn(armEnv(host), opts).detections[0];
      return best ? plain(best) : null;
    },
    deproject(u: number, v: number, camera?: string, size?: number) {
      return deprojectIn(armEnv(host), u, v, camera, size);
    },
    sampleGrasps(opts: Parameters<typeof sampleGraspsIn>[1]) {
      return sampleGraspsIn(armEnv(host), opts);
    },
    cameras() {
      return armEnv(host).cameraNames();
    },
    state() {
      return stateIn(armEnv(host));
    },
    moveLinear(opts: Parameters<typeof moveLinearIn>[1]) {
      return moveLinearIn(armEnv(host), opts);
    },
    nudge(opts: Parameters<typeof nudgeIn>[1]) {
      return nudgeIn(armEnv(host), opts);
    },
    goHome(opts?: Parameters<typeof goHomeIn>[1]) {
      return goHomeIn(armEnv(host), opts ?? {});
    },
    gripper(opts: { close: boolean }) {
      return gripperIn(armEnv(host), opts);
    },
    planFreespace(opts: Parameters<typeof planFreespaceIn>[1]) {
      return planFreespaceIn(armEnv(host), opts);
    },
    followPath(path: number[][], opts?: { speed?: number }) {
      return followPathIn(armEnv(host), path, opts ?? {});
    },
  };
  return { namespace: "arm", describe: ARM_TOOLS_DESCRIBE, functions };
}

const MOTION = "{ action, arrived, distance m, goal [x, y, z] m }";

/** One line per function: arguments and result, with units. */
export const ARM_TOOLS_DESCRIBE: Readonly<Record<string, string>> = Object.freeze({
  segmentAll:
    "segmentAll({ query, camera = 'top', size = 128, scoreThresh = 0.1, imageBbox?: [x0, y0, x1, y1] px, " +
    "imageExcludeBboxes?: [[x0, y0, x1, y1]], excludeRobot = true, filters?: [{ metric: confidence|area|AR|C|P, " +
    "op: '>='|'<=', value }], rankBy = { metric: 'confidence', direction: 'max' }, returnMasks = false, " +
    "detector?: { url } }) → { query, camera, size, detector, detections: [{ score 0..1, bboxXywh px, maskArea px, " +
    "perimeterPx, compactness 4πA/P², aspectRatio ≥ 1, centroidUv px, centroidWorldXyz m | null, depthM | null, " +
    "mask?: { size: [h, w], counts } (row-major RLE, first run outside) }] }: every instance of the query in one " +
    "camera's RGB(-D) frame, filtered (ANDed) and ranked, best first; the built-in detector knows the task's " +
    "objects by colour (an unknown query's error lists the known words); detector.url or ENPIRE_DETECTOR_URL " +
    "uses an HTTP service with the paper's /segment_all request",
  segment: "segment({ query, … as segmentAll }) → the best detection (as segmentAll's) or null",
  deproject:
    "deproject(u, v, camera = 'top', size = 128) → [x, y, z] m, world: the point seen at pixel (u, v) of a " +
    "size × size frame, through depth, intrinsics and extrinsics (throws where nothing is seen)",
  sampleGrasps:
    "sampleGrasps({ query | mask (RLE or size² bytes), camera = 'top', size = 128, k = 5 }) → [{ pos [x, y, z] m, " +
    "rpy [0, 180, yaw] deg, width m, score 0..1, reachable, ikErrorM }]: top-down grasps across the mask's " +
    "principal axis, best first (reachable by IK, fits the gripper, central)",
  cameras: "cameras() → the station's camera names (top, left, right, <arm>_wrist_cam …)",
  state:
    "state() → { jointNames, jointPositions rad, eePos m, eeRpy deg, eeTargetPos m, gripperWidthM, gripperForceN, " +
    "eeForceN [x, y, z] (world, contact force on the robot side), eeForceNormN, action: { mode 'delta-ee'|'joint', " +
    "length, scalePerUnitM [x, y, z] | null, deltaCapM | null, lockedAxes [bool×3], gripper 'action'|'locked-closed'|" +
    "'locked-open', gripperIndex | null, controlHz } }",
  moveLinear:
    `moveLinear({ pos [x, y, z] m, speed? m/s, tolerance = 0.001 m, gripper?: ±1 | bool }) → ${MOTION}: the next ` +
    "action of a straight EE move toward pos, clipped to the per-step cap (direction kept), locked axes left; " +
    "arrived when the EE is within tolerance",
  nudge: `nudge({ dx, dy, dz } m, gripper?) → ${MOTION}: one small EE move from the commanded target (clipped to a step)`,
  goHome: `goHome({ speed?, gripper? }?) → ${MOTION}: the next action toward the EE's position after the reset`,
  gripper:
    "gripper({ close: bool }) → { action, ok, reason | null, widthM, forceN }: the action that holds the arm and " +
    "closes (force-limited) or opens the gripper; ok false with the reason when the task locks the gripper",
  planFreespace:
    "planFreespace({ pos [x, y, z] m, rpy? [r, p, y] deg (default: the EE's now), maxMs = 2000, seed = 0 }) → " +
    "{ path: joint waypoints rad, ok, reason | null, ms, nodes }: a collision-free joint path (RRT-connect with " +
    "MuJoCo's collision checks on a copy of the station's world, shortcut-smoothed)",
  followPath:
    `followPath(path, { speed? }?) → ${MOTION}: the next action along a planFreespace path (joint targets, or for ` +
    "delta-ee tasks EE moves through the path's forward kinematics); arrived at its end",
});
