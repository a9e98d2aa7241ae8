/**
 * A kitchen-pnp-sink-to-counter episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: pick the everyday object out of the sink's basin and put it on the tray
 * on the drainboard. The rest of the reference script (examples/scripts/kitchen-pnp-sink-to-counter.ts) is kept as
 * constants.
 *
 * 1. look: from both agent-view cameras, the tray (plum) and every catalogue object the kitchen's words name; the
 *    sink's object is the largest such detection on the other side of the start heading from the tray. Not seen: the
 *    base drives `baseForward` closer with the hand raised, the agent views look again, then the wrist camera looks
 *    down into the basin.
 * 2. base: `baseForward` toward the counter and sideways to the middle between the object and the tray, so the arm
 *    reaches both while the base stands still.
 * 3. peek: the open hand hovers over the object; the wrist camera's pixels of it, lifted to the world through depth,
 *    give the grip point, the direction to close across (its narrow side), its top and the basin's floor.
 * 4. grasp: down to `gripBelowTop` under the top (not lower than just above the floor), close, lift 4 cm slowly,
 *    draw back `pullBack` toward the robot (out from under the faucet's spout), rise until the object clears the
 *    tray, the hand's goal a few millimetres a step.
 * 5. carry: over the tray's centre, down until the object's bottom is `dropAbove` over the tray, open.
 * 6. retreat: the hand rises and goes home.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m). */
export interface Params {
  baseForward: number; // m the base drives towards the counter (its front starts 0.3 m away)
  gripBelowTop: number; // m below the object's top where the pads' centres close
  pullBack: number; // m the held object is drawn towards the robot before it rises (away from the spout)
  dropAbove: number; // m the object's bottom hangs above the tray's centre when the fingers open
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "baseForward",
  "gripBelowTop",
  "pullBack",
  "dropAbove",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 256, // px, agent-view frames for finding the object and the tray
  trayAhead: [0.72, 1.1], // m ahead of the start pose where the tray and the basin's object can be
  objectAboveTrayMax: 0.1, // m: a detection's centroid higher than this over the tray's is not in the basin
  basinSideMax: 0.45, // m sideways from the start heading: farther detections are not in this sink's basin
  basinSideGuess: 0.15, // m sideways (away from the tray) where the wrist looks for a hidden object
  basinLookAbove: 0.25, // m above the tray's centre where the wrist camera looks down into the basin
  peekSize: 256, // px, the wrist camera's frame over the object
  homeAhead: 0.45, // m ahead of the start pose where the hand waits while the base drives
  carryHandZ: 1.15, // m, the hand's height while the base drives
  hoverM: 0.22, // m above the object's first estimate where the wrist camera peeks
  colourTol: 40, // 0..255 per channel: pixels this close to the object's colour at its centroid grow its mask
  floorClear: 0.014, // m the pads' centres stay above the surface the object rests on (the pads reach 0.012 lower)
  ringPx: 10, // px around the object's mask in the wrist camera whose median height is the surface under it
  liftStepM: 0.006, // m per step the hand's goal moves while it holds the object
  liftZ: 0.2, // m above the tray's centre the hand carries the object, at least
  carryClear: 0.06, // m the carried object's bottom stays above the tray's centre, at least
  approachM: 0.08, // m above the grip point the hand stops before going straight down
  retreatUp: 0.2, // m the hand rises after opening
  retreatSteps: 40, // most steps of that rise (the arm may not reach all of it over a deep counter)
  gripSteps: 20, // steps the gripper holds still to close or open
  slowLiftM: 0.003, // m per step the hand rises for the first slowLiftTotal after closing
  slowLiftTotal: 0.04, // m
  settleSteps: 30, // most steps the hand takes to reach the end of a held path
  moveSteps: 160, // most steps of one hand motion
  baseSteps: 150, // most steps of one base motion
  baseStepM: 0.008, // m the base's goal moves per step (0.16 m/s)
});

/**
 * Checks a parsed params.json: every key present and a finite number > 0; anything else is refused by name, so a
 * typo is a load error, not a different policy.
 */
export function checkParams(raw: unknown): Params {
  if (typeof raw !== "object" || raw === null) throw new Error(`params.json must hold an object, got ${String(raw)}`);
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`params.json has unknown keys ${unknown.join(", ")}; the keys are ${PARAM_NAMES.join(", ")}`);
  }
  for (const name of PARAM_NAMES) {
    const v = record[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new Error(`params.json "${name}" must be a finite number > 0, got ${JSON.stringify(v)}`);
    }
  }
  return record as unknown as Params;
}

type Vec3 = [number, number, number];
interface Motion {
  arrived: boolean;
  distance: number;
  steps: number;
}
interface Detection {
  maskArea: number;
  centroidUv: [number, number];
  centroidWorldXyz: Vec3 | null;
  bboxXywh: [number, number, number, number];
}
interface Frame {
  rgb: ArrayLike<number>;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number }; gripperWidthM: number };
  taskDescription(): { words: string[]; roles: Record<string, string> };
  segmentAll(opts: { query: string; camera?: string; size?: number }): { detections: Detection[] };
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
  goHome(opts?: { maxSteps?: number }): Motion;
}

/** The catalogue's categories (fixtures/objects.ts): the words that name an everyday object. */
const CATEGORIES = ["can", "cup", "bottle", "soap", "juice box", "sponge", "butter", "cucumber", "carrot"];
const AGENT_VIEWS = ["robot0_agentview_left", "robot0_agentview_right"];
const WRIST = "robot0_eye_in_hand";

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const maybe = ctx.tools?.kitchen as KitchenTools | undefined;
  const kt = maybe as KitchenTools; // checked when an episode starts

  /** Every detection of `query` with a world centroid, from both agent views. */
  function seen(query: string): { q: Vec3; area: number }[] {
    const out: { q: Vec3; area: number }[] = [];
    for (const camera of AGENT_VIEWS) {
      for (const d of kt.segmentAll({ query, camera, size: P.lookSize }).detections) {
        if (d.centroidWorldXyz && d.maskArea >= 6) out.push({ q: d.centroidWorldXyz, area: d.maskArea });
      }
    }
    return out;
  }

  /**
   * The world points of the pixels grown by colour from the detection's centroid in a frame (camera looking down),
   * and the height of the surface it rests on: the median height of the pixels in a ring around its mask.
   */
  function objectPoints(f: Frame, size: number, d: Detection): { pts: Vec3[]; floor: number | null } {
    const depth = f.depth as ArrayLike<number>;
    const [u0, v0] = [Math.round(d.centroidUv[0]), Math.round(d.centroidUv[1])];
    const ref = [0, 1, 2].map((c) => f.rgb[3 * (v0 * size + u0) + c]);
    const near = (i: number) => [0, 1, 2].every((c) => Math.abs(f.rgb[3 * i + c] - ref[c]) <= P.colourTol);
    const seenPx = new Uint8Array(size * size);
    const stack = [v0 * size + u0];
    seenPx[stack[0]] = 1;
    const pts: Vec3[] = [];
    const { fx, fy, cx, cy } = f.intrinsics;
    const R = f.extrinsics.rotation;
    const p = f.extrinsics.position;
    const world = (i: number): Vec3 | null => {
      const [u, v, z] = [i % size, Math.floor(i / size), depth[i]];
      if (!Number.isFinite(z)) return null;
      const X = ((u - cx) * z) / fx;
      const Y = ((v - cy) * z) / fy;
      return [
        p[0] + R[0] * X + R[1] * Y + R[2] * z,
        p[1] + R[3] * X + R[4] * Y + R[5] * z,
        p[2] + R[6] * X + R[7] * Y + R[8] * z,
      ];
    };
    let [uLo, uHi, vLo, vHi] = [u0, u0, v0, v0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const [u, v] = [i % size, Math.floor(i / size)];
      [uLo, uHi, vLo, vHi] = [Math.min(uLo, u), Math.max(uHi, u), Math.min(vLo, v), Math.max(vHi, v)];
      const q = world(i);
      if (q) pts.push(q);
      for (const [du, dv] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const [uu, vv] = [u + du, v + dv];
        const j = vv * size + uu;
        if (uu < 0 || vv < 0 || uu >= size || vv >= size || seenPx[j] || !near(j)) continue;
        seenPx[j] = 1;
        stack.push(j);
      }
    }
    const ring: number[] = [];
    const m = P.ringPx;
    for (let v = Math.max(0, vLo - m); v <= Math.min(size - 1, vHi + m); v++) {
      for (let u = Math.max(0, uLo - m); u <= Math.min(size - 1, uHi + m); u++) {
        const i = v * size + u;
        const q = seenPx[i] ? null : world(i);
        if (q) ring.push(q[2]);
      }
    }
    ring.sort((a, b) => a - b);
    return { pts, floor: ring.length > 0 ? ring[Math.floor(ring.length / 2)] : null };
  }

  /** Grip point (xy mean, top z), the world angle (rad) to close the fingers along, and the width across it. */
  function graspFrom(
    pts: Vec3[],
    floor: number,
  ): { at: Vec3; closeAngle: number; width: number; top: number; low: number } {
    const n = pts.length;
    const mx = pts.reduce((t, q) => t + q[0], 0) / n;
    const my = pts.reduce((t, q) => t + q[1], 0) / n;
    let [sxx, syy, sxy] = [0, 0, 0];
    for (const q of pts) {
      sxx += (q[0] - mx) ** 2;
      syy += (q[1] - my) ** 2;
      sxy += (q[0] - mx) * (q[1] - my);
    }
    const major = 0.5 * Math.atan2(2 * sxy, sxx - syy); // the long axis
    const closeAngle = major + Math.PI / 2;
    const [c, s] = [Math.cos(closeAngle), Math.sin(closeAngle)];
    const along = pts.map((q) => (q[0] - mx) * c + (q[1] - my) * s).sort((a, b) => a - b);
    const width = along[Math.floor(0.98 * (n - 1))] - along[Math.floor(0.02 * (n - 1))];
    const zs = pts.map((q) => q[2]).sort((a, b) => a - b);
    return { at: [mx, my, zs[Math.floor(0.5 * n)]], closeAngle, width, top: zs[Math.floor(0.9 * (n - 1))], low: floor };
  }

  return {
    episode() {
      if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s0 = kt.state();
      const yawDeg = s0.base.yawDeg;
      const h = (yawDeg * Math.PI) / 180;
      const fwd = [Math.cos(h), Math.sin(h)];
      const right = [fwd[1], -fwd[0]]; // the base's right, in the floor plane
      const down = (closeAngle: number) => {
        // tool down, the fingers closing along world angle closeAngle: rpy [0, 180, closeAngle − 90°], the turn
        // kept within ±90° of the heading (the hand's y closes; either way round grips the same)
        let yaw = (closeAngle * 180) / Math.PI - 90;
        while (yaw - yawDeg > 90) yaw -= 180;
        while (yaw - yawDeg < -90) yaw += 180;
        return [0, 180, yaw];
      };
      // a world point's place relative to the start pose: metres ahead and to the right
      const ahead = (q: Vec3) => (q[0] - s0.base.x) * fwd[0] + (q[1] - s0.base.y) * fwd[1];
      const side = (q: Vec3) => (q[0] - s0.base.x) * right[0] + (q[1] - s0.base.y) * right[1];
      const fromStart = (a: number, r: number, z: number): Vec3 => [
        s0.base.x + fwd[0] * a + right[0] * r,
        s0.base.y + fwd[1] * a + right[1] * r,
        z,
      ];

      // 1. look: the tray (plum: nothing else is) and the sink's object, on the basin's side (the other side of the
      // robot's heading from the tray: the robot starts facing the sink's middle, basin and drainboard either side)
      const words = kt.taskDescription().words;
      const cats = CATEGORIES.filter((c) => words.includes(c));
      const trays = seen("tray").filter((t) => ahead(t.q) >= P.trayAhead[0] && ahead(t.q) <= P.trayAhead[1]);
      if (trays.length === 0) throw new Error("no tray seen from the agent views");
      const trayArea = trays.reduce((t, d) => t + d.area, 0);
      const tray = [0, 1, 2].map((c) => trays.reduce((t, d) => t + d.q[c] * d.area, 0) / trayArea) as Vec3;
      const traySide = Math.sign(side(tray)) || 1;
      const inBasin = (q: Vec3) =>
        q[2] < tray[2] + P.objectAboveTrayMax &&
        side(q) * traySide < 0 &&
        Math.abs(side(q)) < P.basinSideMax &&
        ahead(q) >= P.trayAhead[0] &&
        ahead(q) <= P.trayAhead[1];
      let cands = cats.flatMap((c) => seen(c).map((d) => ({ c, ...d }))).filter((x) => inBasin(x.q));
      // the base walks to a floor goal (ahead, right of the start pose), its goal P.baseStepM a step
      const walkBase = (a: number, r: number) => {
        const goal = fromStart(a, r, 0);
        const b = kt.state().base;
        const n = Math.ceil(Math.hypot(goal[0] - b.x, goal[1] - b.y) / P.baseStepM);
        for (let i = 1; i <= n; i++) {
          const f = i / n;
          kt.moveBase({ x: b.x + (goal[0] - b.x) * f, y: b.y + (goal[1] - b.y) * f, yaw: yawDeg, maxSteps: 1 });
        }
        kt.moveBase({ x: goal[0], y: goal[1], yaw: yawDeg, maxSteps: P.baseSteps });
      };
      let look = "agent views";
      if (cands.length === 0) {
        // hidden from the agent views (behind the hand or the basin's front wall): closer, the hand raised out of
        // the way, the agent views look again, then the wrist camera looks down into the basin's estimated middle
        walkBase(p.baseForward, 0);
        kt.moveEef({ pos: fromStart(p.baseForward + P.homeAhead, 0, P.carryHandZ), maxSteps: P.moveSteps });
        cands = cats.flatMap((c) => seen(c).map((d) => ({ c, ...d }))).filter((x) => inBasin(x.q));
        look = "agent views, closer";
      }
      if (cands.length === 0) {
        const basinLook = fromStart(ahead(tray), -traySide * P.basinSideGuess, tray[2] + P.basinLookAbove);
        kt.moveEef({ pos: basinLook, rpy: [0, 180, yawDeg], maxSteps: P.moveSteps });
        for (const c of cats) {
          for (const d of kt.segmentAll({ query: c, camera: WRIST, size: P.peekSize }).detections) {
            if (d.centroidWorldXyz && d.maskArea >= 6 && inBasin(d.centroidWorldXyz))
              cands.push({ c, q: d.centroidWorldXyz, area: d.maskArea });
          }
        }
        look = "wrist";
      }
      if (cands.length === 0) throw new Error(`no object seen in the basin (categories ${cats.join(", ")})`);
      cands = cands.sort((a, b) => b.area - a.area);
      const { c: category } = cands[0];
      const same = cands.filter((x) => x.c === category);
      const first = [0, 1, 2].map((c) => same.reduce((t, d) => t + d.q[c], 0) / same.length) as Vec3;
      console.log(
        `object: ${category} near ${first.map((v) => v.toFixed(3))}(${look}), tray ${tray.map((v) => v.toFixed(3))}`,
      );

      // 2. base: forward, and sideways to the middle between the object and the tray, so the arm reaches both
      // without the base moving while the hand holds the object
      const mid = (side(first) + side(tray)) / 2;
      kt.moveEef({
        pos: fromStart(ahead(kt.state().eePos), side(kt.state().eePos), P.carryHandZ),
        maxSteps: P.moveSteps,
      });
      walkBase(p.baseForward, mid);

      // 3. peek from above
      kt.gripper({ close: false, steps: 4 });
      const hover: Vec3 = [first[0], first[1], first[2] + P.hoverM];
      kt.moveEef({ pos: hover, rpy: [0, 180, yawDeg], maxSteps: P.moveSteps });
      const dets = kt.segmentAll({ query: category, camera: WRIST, size: P.peekSize }).detections;
      const det = dets.sort((a, b) => b.maskArea - a.maskArea)[0];
      let grasp = { at: first, closeAngle: h + Math.PI / 2, width: 0, top: first[2], low: first[2] - 0.03 };
      if (det) {
        const f = kt.image({ camera: WRIST, size: P.peekSize, depth: true });
        const { pts, floor } = objectPoints(f, P.peekSize, det);
        if (pts.length >= 20) grasp = graspFrom(pts, floor ?? first[2] - 0.03);
      } else console.log("peek: the wrist camera did not see the object; using the first estimate");
      console.log(
        `grasp at ${grasp.at.map((v) => v.toFixed(3))}, top ${grasp.top.toFixed(3)}, floor ${grasp.low.toFixed(3)}, close along ${((grasp.closeAngle * 180) / Math.PI).toFixed(0)} deg, width ${grasp.width.toFixed(3)} m`,
      );

      // 4. grasp
      const rpy = down(grasp.closeAngle);
      const gz = Math.max(grasp.top - p.gripBelowTop, grasp.low + P.floorClear);
      const [gx, gy] = [grasp.at[0], grasp.at[1]];
      kt.moveEef({ pos: [gx, gy, gz + P.approachM], rpy, maxSteps: P.moveSteps });
      kt.moveEef({ pos: [gx, gy, gz], rpy, tolerance: 0.006, maxSteps: P.moveSteps });
      const g = kt.gripper({ close: true, steps: P.gripSteps });
      console.log(`closed: width ${g.widthM.toFixed(3)} m, force ${g.forceN.toFixed(1)} N`);
      const hang = gz - grasp.low; // the object's bottom below the pads' centres
      const carryZ = Math.max(tray[2] + P.liftZ, tray[2] + hang + P.carryClear);
      // the first centimetres slowly, the goal P.slowLiftM a step, while the pads settle on the object
      for (let dz = P.slowLiftM; dz <= P.slowLiftTotal; dz += P.slowLiftM) {
        kt.moveEef({ pos: [gx, gy, gz + dz], rpy, tolerance: 0.0005, maxSteps: 1 });
      }
      // then out from under the faucet's spout (it reaches over the basin's middle): the hand draws back towards the
      // robot, then rises to the carrying height, the goal a few millimetres a step so the pads keep their hold
      const pathTo = (to: Vec3) => {
        const from = kt.state().eePos;
        const n = Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1], to[2] - from[2]) / P.liftStepM);
        for (let i = 1; i <= n; i++) {
          const f = i / n;
          kt.moveEef({ pos: [0, 1, 2].map((c) => from[c] + (to[c] - from[c]) * f), rpy, maxSteps: 1 });
        }
        return kt.moveEef({ pos: to, rpy, maxSteps: P.settleSteps });
      };
      const [bx, by] = [gx - fwd[0] * p.pullBack, gy - fwd[1] * p.pullBack];
      pathTo([bx, by, gz + P.slowLiftTotal]);
      pathTo([bx, by, carryZ]);

      // 5. carry over the tray and put it down
      const t = tray;
      pathTo([t[0], t[1], carryZ]);
      pathTo([t[0], t[1], t[2] + hang + p.dropAbove]);
      kt.gripper({ close: false, steps: P.gripSteps });

      // 6. retreat
      const e = kt.state().eePos;
      kt.moveEef({ pos: [e[0], e[1], e[2] + P.retreatUp], maxSteps: P.retreatSteps });
      kt.goHome({ maxSteps: P.moveSteps });
    },
  };
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
