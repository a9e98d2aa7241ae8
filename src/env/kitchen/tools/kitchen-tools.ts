/**
 * The kitchen stations' tool set, `ctx.tools.kitchen.<name>(...)` in a code policy (see core/tools.ts): the robot's
 * state, the task's description, camera frames, perception on pixels (the arm stations' segmenter,
 * ../../mujoco/tools/segment.ts, with the kitchen's words from vocabulary.ts) and control that answers the next 12-D
 * action (RoboCasa's layout, kitchen-env.ts): the hand toward a world pose in arm mode, the base toward a floor pose in
 * base mode, the gripper, home, a nudge. Plain data in and out; metres, degrees (rpy: R = Rz(yaw)·Ry(pitch)·Rx(roll),
 * world frame). Nothing here moves the simulation or reads an object's or a fixture's pose: the fixtures' joint names
 * and the task's roles are said, where things are is found on pixels.
 */
import type { ToolHost, ToolSet } from "../../../core/tools.js";
import { matMul, rotationError } from "../../mujoco/ik.js";
import type { MjScene } from "../../mujoco/scene.js";
import { matToRpy, quatToMat, rpyToMat } from "../../mujoco/tools/rpy.js";
import {
  type Detection,
  deprojectIn,
  type SegmentHost,
  type SegmentOptions,
  segmentAllIn,
} from "../../mujoco/tools/segment.js";
import { KITCHEN_ACTION_NAMES, KITCHEN_CONTROL, KitchenEnv, kitchenProprioNames } from "../kitchen-env.js";
import { KitchenTask } from "../kitchen-tasks.js";
import { MOBILE } from "../robot.js";
import { kitchenWords, resolveKitchenQuery } from "./vocabulary.js";

/** The tools' constants. */
export const KITCHEN_TOOLS = Object.freeze({
  defaultCamera: "robot0_agentview_left", // the camera segmentAll and image use when none is named
  defaultSize: 128, // px, side of a frame
  posTolerance: 0.01, // m: moveEef / goHome arrive within this of the goal
  rotTolerance: 3, // deg: and within this of the goal orientation
  torsoTolerance: 0.005, // m: torso arrives within this of the goal height
  baseTolerance: 0.02, // m: moveBase arrives within this of the goal …
  yawTolerance: 2, // deg: … and this of the goal heading
  gain: 1, // fraction of the remaining error commanded per step (before the per-step clip)
  // the hand's pace: RoboCasa's full step (0.05 m, 0.5 rad) is 1 m/s and 10 rad/s, faster than the arm's wrist servos
  // follow (10 N·m against 4 N·m·s/rad damping: about 2.5 rad/s); the env re-bases each goal on the measured hand, so
  // a lagging wrist turns into drift (at full pace, a move down and forward with the tool held down drove the hand
  // backwards and folded the elbow into its limit)
  maxStepM: 0.015, // m the hand's goal moves per step at most (0.3 m/s)
  maxStepRad: 0.08, // rad the hand's goal turns per step at most (1.6 rad/s)
  homeInBase: [0.435, 0, 1.1645] as readonly number[], // m: the hand at home in the base frame with the torso down
  homeRpyInBase: [0, 180, 0] as readonly number[], // deg: the hand at home points down (base frame)
  closedForceN: 1, // N: a grip force above this reads as closed when no gripper() call said otherwise
  // in an episode script (ToolHost.drive), where a motion runs to its end:
  motionStepLimit: 200, // steps (10 s) a moveEef / moveBase / goHome runs at most before it answers arrived: false
  gripSteps: 12, // steps gripper() holds the robot still while the fingers close or open
});

/** What a motion tool answers. */
export interface KitchenMotion {
  action: number[]; // the 12-D action to hand back from act()
  arrived: boolean;
  distance: number; // m to the goal (position), after this step's command is not yet applied
  goal: number[]; // the goal: [x, y, z] m for the hand, [x, y, yaw deg] for the base
}

/** What a motion answers in an episode script: it ran (stepping the station) until it arrived or its step limit. */
export interface KitchenScriptMotion {
  arrived: boolean;
  distance: number; // m to the goal when it stopped
  goal: number[];
  steps: number; // steps it drove
}

/**
 * In an episode script: drives `next()`'s actions through the station until it answers arrived or `limit` steps
 * have run (ToolHost.drive throws EpisodeOverError when the episode ends first).
 */
function driveUntil(host: ToolHost, next: () => KitchenMotion, limit: number): KitchenScriptMotion {
  const drive = host.drive;
  if (!drive) throw new Error("driveUntil is for episode scripts");
  let m = next();
  let steps = 0;
  while (!m.arrived && steps < limit) {
    drive(m.action);
    steps++;
    m = next();
  }
  return { arrived: m.arrived, distance: m.distance, goal: m.goal, steps };
}

/** A motion's step limit from its options (default KITCHEN_TOOLS.motionStepLimit), checked. */
function stepLimit(maxSteps: unknown): number {
  if (maxSteps === undefined) return KITCHEN_TOOLS.motionStepLimit;
  if (typeof maxSteps !== "number" || !Number.isInteger(maxSteps) || maxSteps < 1)
    throw new Error(`maxSteps must be a whole number of steps >= 1, got ${String(maxSteps)}`);
  return maxSteps;
}

/** The unwrapped kitchen task, or an Error saying why there is none. */
function kitchenEnv(host: ToolHost): KitchenEnv {
  const env = host.env?.();
  if (!env) throw new Error("no station env: the kitchen tools work during a trial of a kitchen task");
  if (!(env instanceof KitchenEnv))
    throw new Error(`the kitchen tools need a kitchen station; ${env.spec.id} is not one`);
  return env;
}

/** The kitchen's MuJoCo scene, for the segmenter's colours and robot self-filter only (nothing here reads a pose). */
function sceneOf(env: KitchenEnv): MjScene {
  return env.toolView().scene;
}

/** A kitchen env as segment.ts' SegmentHost, with the kitchen's words. */
export function kitchenSegmentHost(env: KitchenEnv): SegmentHost {
  return {
    spec: env.spec,
    cameraNames: () => env.cameraNames(),
    cameraFrame: (camera, size, opts) => env.cameraFrame(camera, size, opts),
    toolView: () => ({ scene: sceneOf(env) }),
    resolveQuery: (query) => resolveKitchenQuery(sceneOf(env), query),
  };
}

/** The robot's state read from its proprioception (kitchenProprioNames' order). */
export function kitchenStateIn(env: KitchenEnv) {
  const p = env.proprio();
  const names = kitchenProprioNames();
  const deg = (r: number) => (r * 180) / Math.PI;
  const rpyOf = (q: number[]) => matToRpy(quatToMat(q));
  return {
    jointNames: names.slice(0, 7).map((n) => n.replace(/ rad$/, "")),
    jointPositions: p.slice(0, 7),
    torsoM: p[7],
    eePos: p.slice(8, 11),
    eeRpy: rpyOf(p.slice(11, 15)),
    eePosBase: p.slice(15, 18),
    eeRpyBase: rpyOf(p.slice(18, 22)),
    gripperWidthM: p[22],
    gripperForceN: p[23],
    base: { x: p[24], y: p[25], yawDeg: deg(p[26]) },
    action: {
      length: 12,
      names: [...KITCHEN_ACTION_NAMES],
      maxDeltaPosM: KITCHEN_CONTROL.maxDeltaPos,
      maxDeltaRotRad: KITCHEN_CONTROL.maxDeltaRot,
      baseMaxSpeedMps: KITCHEN_CONTROL.baseMaxSpeed,
      baseMaxYawRateRadps: KITCHEN_CONTROL.baseMaxYawRate,
      gripperIndex: 6,
      modeIndex: 11,
      controlHz: KITCHEN_CONTROL.controlHz,
    },
  };
}

/** World → base frame rotation of a vector, for a base heading `yaw` rad. */
function toBase(v: readonly number[], yaw: number): number[] {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c * v[0] + s * v[1], -s * v[0] + c * v[1], v[2]];
}

/** Scales v so no element exceeds 1 in magnitude (direction kept). */
function clipUnit(v: number[]): number[] {
  const m = Math.max(1, ...v.map(Math.abs));
  return v.map((x) => x / m);
}

/** v scaled down to length `max` when longer (direction kept). */
function capNorm(v: number[], max: number): number[] {
  const n = Math.hypot(...v);
  return n > max ? v.map((x) => (x * max) / n) : v;
}

/**
 * The next arm-mode action moving the hand toward a world position (and orientation rpy deg, default: the commanded
 * one kept), the gripper element `grip` (−1 open .. +1 closed), the goal moving at most `maxStepM` per step.
 */
export function moveEefIn(
  env: KitchenEnv,
  opts: { pos: readonly number[]; rpy?: readonly number[]; tolerance?: number },
  grip: number,
  maxStepM: number = KITCHEN_TOOLS.maxStepM,
): KitchenMotion {
  const T = KITCHEN_TOOLS;
  const C = KITCHEN_CONTROL;
  if (!Array.isArray(opts?.pos) || opts.pos.length !== 3 || !opts.pos.every(Number.isFinite))
    throw new Error("moveEef needs pos: [x, y, z] m (world)");
  const p = env.proprio();
  const yaw = p[26];
  const ee = p.slice(8, 11);
  const err = [opts.pos[0] - ee[0], opts.pos[1] - ee[1], opts.pos[2] - ee[2]];
  const distance = Math.hypot(err[0], err[1], err[2]);
  const dPos = capNorm(
    toBase(err, yaw).map((v) => T.gain * v),
    maxStepM,
  ).map((v) => v / C.maxDeltaPos);
  let dRot = [0, 0, 0];
  let rotErrDeg = 0;
  if (opts.rpy !== undefined) {
    if (!Array.isArray(opts.rpy) || opts.rpy.length !== 3 || !opts.rpy.every(Number.isFinite))
      throw new Error("moveEef rpy must be [roll, pitch, yaw] deg (world)");
    const goal = rpyToMat(opts.rpy);
    const commanded = quatToMat(env.robotState().eeTargetQuat);
    const actual = quatToMat(p.slice(11, 15));
    const e = rotationError(goal, commanded); // world frame, rad
    rotErrDeg = (Math.hypot(...rotationError(goal, actual)) * 180) / Math.PI;
    dRot = capNorm(
      toBase(e, yaw).map((v) => T.gain * v),
      T.maxStepRad,
    ).map((v) => v / C.maxDeltaRot);
  }
  const tol = opts.tolerance ?? T.posTolerance;
  const arrived = distance <= tol && rotErrDeg <= T.rotTolerance;
  const action = [...clipUnit(dPos), ...clipUnit(dRot), grip, 0, 0, 0, 0, -1];
  return { action, arrived, distance, goal: [...opts.pos] };
}

/**
 * The next base-mode action toward a floor pose (x, y m world, yaw deg), at most `maxSpeed` m/s (default the base's
 * top speed) and arriving within `tolerance` m; the arm rides along.
 */
export function moveBaseIn(
  env: KitchenEnv,
  opts: { x: number; y: number; yaw: number; maxSpeed?: number; tolerance?: number },
  grip: number,
): KitchenMotion {
  const T = KITCHEN_TOOLS;
  const C = KITCHEN_CONTROL;
  if (![opts?.x, opts?.y, opts?.yaw].every((v) => typeof v === "number" && Number.isFinite(v)))
    throw new Error("moveBase needs { x, y } m and yaw deg (world)");
  const speed = opts.maxSpeed ?? C.baseMaxSpeed;
  if (typeof speed !== "number" || !(speed > 0) || speed > C.baseMaxSpeed)
    throw new Error(`moveBase maxSpeed must be in (0, ${C.baseMaxSpeed}] m/s, got ${String(opts.maxSpeed)}`);
  const tolerance = opts.tolerance ?? T.baseTolerance;
  if (typeof tolerance !== "number" || !(tolerance > 0))
    throw new Error(`moveBase tolerance must be a positive number of m, got ${String(opts.tolerance)}`);
  const base = env.basePose();
  const err = [opts.x - base.pos[0], opts.y - base.pos[1], 0];
  const dYaw = Math.atan2(
    Math.sin((opts.yaw * Math.PI) / 180 - base.yaw),
    Math.cos((opts.yaw * Math.PI) / 180 - base.yaw),
  );
  const local = toBase(err, base.yaw);
  const dt = 1 / KITCHEN_CONTROL.controlHz;
  const v = clipUnit([local[0] / (speed * dt), local[1] / (speed * dt)]).map((x) => (x * speed) / C.baseMaxSpeed);
  const w = Math.max(-1, Math.min(1, dYaw / (C.baseMaxYawRate * dt)));
  const distance = Math.hypot(err[0], err[1]);
  const arrived = distance <= tolerance && Math.abs((dYaw * 180) / Math.PI) <= T.yawTolerance;
  return { action: [0, 0, 0, 0, 0, 0, grip, v[0], v[1], w, 0, 1], arrived, distance, goal: [opts.x, opts.y, opts.yaw] };
}

/**
 * The next action raising or lowering the torso lift toward `m` (its travel from the bottom, state().torsoM), the arm
 * riding along: base mode (RoboCasa's: the torso moves with the base) with the base still, at the lift's top speed.
 */
export function torsoIn(env: KitchenEnv, m: number, grip: number): KitchenMotion {
  const C = KITCHEN_CONTROL;
  const [low, high] = MOBILE.torsoRange;
  if (typeof m !== "number" || !Number.isFinite(m) || m < low || m > high)
    throw new Error(`torso needs { m } within the lift's travel ${low}..${high} m, got ${String(m)}`);
  const now = env.proprio()[7];
  const err = m - now;
  const rate = Math.max(-1, Math.min(1, err / (C.torsoMaxSpeed / C.controlHz)));
  const distance = Math.abs(err);
  return {
    action: [0, 0, 0, 0, 0, 0, grip, 0, 0, 0, rate, 1],
    arrived: distance <= KITCHEN_TOOLS.torsoTolerance,
    distance,
    goal: [m],
  };
}

/** Where home is now in the world: the hand's reset pose relative to the base (with the torso's lift). */
function homeIn(env: KitchenEnv): { pos: number[]; rpy: number[] } {
  const T = KITCHEN_TOOLS;
  const p = env.proprio();
  const [bx, by, yaw] = [p[24], p[25], p[26]];
  const h = T.homeInBase;
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  const baseZ = p[10] - p[17]; // the base frame's height: world z minus base-frame z of the hand
  const pos = [bx + c * h[0] - s * h[1], by + s * h[0] + c * h[1], baseZ + h[2] + p[7]];
  const R = matMul(rpyToMat([0, 0, (yaw * 180) / Math.PI]), rpyToMat(T.homeRpyInBase));
  return { pos, rpy: matToRpy(R) };
}

/** A detection as plain data (its mask bytes dropped). */
function plain(d: Detection & { maskBytes?: Uint8Array }): Detection {
  const { maskBytes: _drop, ...rest } = d;
  return rest;
}

/** The "kitchen" tool set for one sandboxed policy. */
export function kitchenTools(host: ToolHost): ToolSet {
  let grip: number | null = null; // the last gripper() command this episode, or null: read from the force
  const gripNow = (env: KitchenEnv) => grip ?? (env.proprio()[23] > KITCHEN_TOOLS.closedForceN ? 1 : -1);
  /** A motion: in a per-step policy its next action; in an episode script, driven until it arrives or maxSteps. */
  const motion = (next: () => KitchenMotion, maxSteps: unknown): KitchenMotion | KitchenScriptMotion =>
    host.drive ? driveUntil(host, next, stepLimit(maxSteps)) : next();
  const functions = {
    state() {
      return kitchenStateIn(kitchenEnv(host));
    },
    taskDescription() {
      const env = kitchenEnv(host);
      const kitchen = env instanceof KitchenTask ? env.episodeKitchen : null;
      return {
        taskId: env.spec.id,
        description: env.spec.description,
        horizonSteps: env.spec.maxSteps ?? null,
        roles: kitchen ? { ...kitchen.roles } : {},
        fixtures: kitchen ? kitchen.fixtures.map((f) => ({ name: f.name, kind: f.kind, joints: [...f.joints] })) : [],
        words: kitchenWords(sceneOf(env)),
      };
    },
    cameras() {
      return kitchenEnv(host).cameraNames();
    },
    image(opts?: { camera?: string; size?: number; depth?: boolean }) {
      const env = kitchenEnv(host);
      const camera = opts?.camera ?? KITCHEN_TOOLS.defaultCamera;
      const size = opts?.size ?? KITCHEN_TOOLS.defaultSize;
      if (!env.cameraNames().includes(camera))
        throw new Error(`no camera "${camera}"; cameras: ${env.cameraNames().join(", ")}`);
      if (!Number.isInteger(size) || size < 16 || size > 512) throw new Error("size must be a whole number 16..512 px");
      const f = env.cameraFrame(camera, size, { depth: opts?.depth === true });
      return {
        camera,
        size,
        rgb: f.rgb,
        depth: opts?.depth === true ? f.depth : null,
        intrinsics: f.intrinsics,
        extrinsics: f.extrinsics,
      };
    },
    segmentAll(opts: SegmentOptions) {
      const env = kitchenEnv(host);
      const r = segmentAllIn(kitchenSegmentHost(env), { camera: KITCHEN_TOOLS.defaultCamera, ...opts });
      return {
        query: r.query,
        camera: r.camera,
        size: r.size,
        detector: r.detector,
        detections: r.detections.map(plain),
      };
    },
    deproject(u: number, v: number, camera?: string, size?: number) {
      const env = kitchenEnv(host);
      return deprojectIn(
        kitchenSegmentHost(env),
        u,
        v,
        camera ?? KITCHEN_TOOLS.defaultCamera,
        size ?? KITCHEN_TOOLS.defaultSize,
      );
    },
    moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }) {
      const env = kitchenEnv(host);
      if (typeof opts?.gripper === "boolean") grip = opts.gripper ? 1 : -1;
      return motion(() => moveEefIn(env, opts, gripNow(env)), opts?.maxSteps);
    },
    moveBase(opts: { x: number; y: number; yaw: number; maxSpeed?: number; tolerance?: number; maxSteps?: number }) {
      const env = kitchenEnv(host);
      return motion(() => moveBaseIn(env, opts, gripNow(env)), opts?.maxSteps);
    },
    torso(opts: { m: number; maxSteps?: number }) {
      const env = kitchenEnv(host);
      return motion(() => torsoIn(env, opts?.m, gripNow(env)), opts?.maxSteps);
    },
    gripper(opts: { close: boolean; steps?: number }) {
      const env = kitchenEnv(host);
      if (typeof opts?.close !== "boolean") throw new Error("gripper needs { close: true | false }");
      grip = opts.close ? 1 : -1;
      const action = [0, 0, 0, 0, 0, 0, grip, 0, 0, 0, 0, -1];
      if (host.drive) {
        const n = opts.steps === undefined ? KITCHEN_TOOLS.gripSteps : stepLimit(opts.steps);
        for (let i = 0; i < n; i++) host.drive(action);
      }
      const p = env.proprio();
      return { action, widthM: p[22], forceN: p[23] };
    },
    goHome(opts?: { maxSteps?: number }) {
      const env = kitchenEnv(host);
      const home = homeIn(env); // where home is when the call starts (the base does not move meanwhile)
      return motion(() => moveEefIn(env, home, gripNow(env)), opts?.maxSteps);
    },
    nudge(opts: { dx?: number; dy?: number; dz?: number }) {
      const env = kitchenEnv(host);
      const d = [opts?.dx ?? 0, opts?.dy ?? 0, opts?.dz ?? 0];
      if (!d.every(Number.isFinite)) throw new Error("nudge needs finite dx, dy, dz m (world)");
      const cap = KITCHEN_CONTROL.maxDeltaPos;
      const k = Math.min(1, cap / Math.max(1e-12, ...d.map(Math.abs)));
      const ee = env.proprio().slice(8, 11);
      const goal = { pos: ee.map((v, i) => v + d[i] * k), tolerance: Number.POSITIVE_INFINITY };
      const m = moveEefIn(env, goal, gripNow(env), cap);
      if (!host.drive) return m;
      host.drive(m.action);
      return { arrived: true, distance: 0, goal: m.goal, steps: 1 };
    },
    wait(opts?: { steps?: number }) {
      const env = kitchenEnv(host);
      if (!host.drive) throw new Error("wait() is for episode scripts; a per-step policy holds by returning an action");
      const n = opts?.steps === undefined ? 1 : stepLimit(opts.steps);
      const action = [0, 0, 0, 0, 0, 0, gripNow(env), 0, 0, 0, 0, -1];
      for (let i = 0; i < n; i++) host.drive(action);
      return { steps: n };
    },
  };
  return {
    namespace: "kitchen",
    describe: KITCHEN_TOOLS_DESCRIBE,
    functions,
    reset() {
      grip = null;
    },
  };
}

const MOTION =
  "{ action (12 numbers), arrived, distance m, goal } in a per-step policy; in an episode script it moves: " +
  "{ arrived, distance m, goal, steps } after stepping until arrived or maxSteps (default 200)";

/** One line per function: arguments and result, with units. */
export const KITCHEN_TOOLS_DESCRIBE: Readonly<Record<string, string>> = Object.freeze({
  state:
    "state() → { jointNames, jointPositions rad, torsoM, eePos m, eeRpy deg (world), eePosBase m, eeRpyBase deg " +
    "(base frame), gripperWidthM, gripperForceN (>0 squeezes), base: { x, y m, yawDeg }, action: { length 12, names, " +
    "maxDeltaPosM, maxDeltaRotRad, baseMaxSpeedMps, baseMaxYawRateRadps, gripperIndex 6, modeIndex 11, controlHz } }",
  taskDescription:
    "taskDescription() → { taskId, description, horizonSteps, roles (role → fixture name), fixtures: [{ name, kind, " +
    "joints }] (no poses), words (what segmentAll knows) }",
  cameras: "cameras() → the robot's camera names (robot0_agentview_left, robot0_agentview_right, robot0_eye_in_hand)",
  image:
    "image({ camera = 'robot0_agentview_left', size = 128, depth = false }) → { camera, size, rgb (size²×3 bytes), " +
    "depth (size² floats m along the optical axis) | null, intrinsics { fx, fy, cx, cy } px, extrinsics { position m, " +
    "rotation row-major camera-to-world, OpenCV axes } }",
  segmentAll:
    "segmentAll({ query, camera = 'robot0_agentview_left', size = 128, scoreThresh, imageBbox, imageExcludeBboxes, " +
    "excludeRobot, filters, rankBy, returnMasks, detector } as the arm tools') → { query, camera, size, detector, " +
    "detections: [{ score, bboxXywh, maskArea, perimeterPx, compactness, aspectRatio, centroidUv px, " +
    "centroidWorldXyz m | null, depthM, mask (with returnMasks: { size [h, w], counts: run lengths row-major, " +
    "starting with a run of 0s }) }] }: every instance in one camera frame by colour; words: knob, knob marker, " +
    "handle, drawer, door / cabinet, faucet, mixer, coffee machine, mug, tray and the objects' categories (an unknown " +
    "query's error lists them)",
  deproject:
    "deproject(u, v, camera = 'robot0_agentview_left', size = 128) → [x, y, z] m world: the point seen at pixel (u, v)",
  moveEef:
    `moveEef({ pos [x, y, z] m, rpy? [r, p, y] deg (world; default: keep the commanded orientation), tolerance = 0.01 m, gripper?: bool, maxSteps? }) → ${MOTION}: ` +
    "the next arm-mode action toward the pose (at most 0.015 m and 0.08 rad per step, a pace the arm follows)",
  moveBase: `moveBase({ x, y m, yaw deg, maxSpeed = 0.5 m/s, tolerance = 0.02 m, maxSteps? } world) → ${MOTION}: the next base-mode action toward the floor pose (at most maxSpeed, 1 rad/s); the arm rides along`,
  gripper:
    "gripper({ close: bool, steps = 12 }) → { action, widthM, forceN }: the action that holds the robot and closes " +
    "(force-limited) or opens the gripper (in an episode script it holds still `steps` steps while they move); later " +
    "motions keep that gripper command this episode",
  torso: `torso({ m, maxSteps? }) → ${MOTION}: the torso lift toward m metres of travel (0..0.45, state().torsoM; 0.2 m/s), raising the arm's shoulder with it`,
  goHome: `goHome({ maxSteps? }) → ${MOTION}: the next arm-mode action toward the hand's reset pose relative to the base (tool down)`,
  nudge: `nudge({ dx, dy, dz } m, world) → ${MOTION}: one hand step by that offset (clipped to 0.05 m per step)`,
  wait: "wait({ steps = 1 }) → { steps }: episode scripts only: hold the robot still (gripper as last commanded)",
});
