/**
 * A kitchen-pnp-counter-to-cabinet episode script (kitchen tools only: pixels, depth, the robot's own state) whose
 * most consequential numbers live in params.json: pick the everyday object off the counter and put it inside the
 * open wall cabinet above it. The rest of the reference script (examples/scripts/kitchen-pnp-counter-to-cabinet.ts)
 * is kept as constants.
 *
 * 1. look: from both agent-view cameras, every catalogue object the kitchen's words name; the counter's object is
 *    the one nearest the heading line at counter height. From the left camera's depth, the wall behind the counter.
 * 2. base: the base drives towards the counter (and sideways) until the object is straight ahead, `reachAhead` in
 *    front of the base's centre.
 * 3. peek: the open hand, tool down, hovers over the object; the wrist camera's mask of it, lifted to the world
 *    through depth, gives the grip point, the direction to close across (the narrow side), its top, its half length,
 *    whether it is round, and the counter top.
 * 4. grasp: the pads `gripBelowTop` below the object's top (a tall one: a constant), the last centimetres slowly,
 *    close, lift 2 cm slowly.
 * 5. tip: about the wrist, from down to level, towards the side the fingers close along, so the lower finger
 *    carries the object; the base backs off and the level tool turns to point straight ahead.
 * 6. up: the torso rises, the hand goes in front of the cabinet at the opening's height.
 * 7. in: the base drives back up, the hand goes on until the object's far end is `placeFromWallM` in front of the
 *    wall.
 * 8. place: the tool rolls a quarter turn about its axis (the pinch level), goes down until the object's lowest
 *    point is `placeClearM` above the highest floor the cabinets have, and opens.
 * 9. retreat: the hand backs straight out, the base backs off, home.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m). */
export interface Params {
  reachAhead: number; // m in front of the base's centre where the object ends up before the grasp
  gripBelowTop: number; // m below the object's top where the pads' centres close (not a tall object)
  placeFromWallM: number; // m in front of the wall where the object's far end is put in the cabinet
  placeClearM: number; // m the object's lowest point hangs above the highest floor when the fingers open
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "reachAhead",
  "gripBelowTop",
  "placeFromWallM",
  "placeClearM",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 256, // px, agent-view frames for finding the object and the wall
  objectZ: [0.86, 1.12], // m: the counter's object is seen between these heights (counters stand 0.89-0.94 m)
  laneM: 0.4, // m: an object farther than this sideways from the heading line is not the counter's
  objectAhead: [0.5, 1.1], // m ahead of the start pose the counter's object lies
  wallBand: [0.12, 0.38], // m above the counter top where the wall is seen (below the cabinet's bottom)
  wallLaneM: 0.2, // m sideways from the heading line the wall's points are taken
  wallQuantile: 0.97, // the wall is this quantile of the band's distances ahead (the nearest are the arm, objects)
  counterTopGuess: 0.915, // m, the counter top when the peek sees no surface (mid of 0.89-0.94)
  peekSize: 256, // px, the wrist camera's frame over the object
  maxForward: 0.27, // m the base may drive towards the counter from its start (its front starts 0.3 m away)
  hoverM: 0.22, // m above the object's top where the wrist camera peeks
  gripBelowTopTall: 0.03, // m below a tall object's top the pads' centres close (more of it held once it sticks out)
  topFaceM: 0.008, // m: the object's points this close below its top are its top face (the grip's centre)
  roundRatio: 1.25, // the object is round from above when its long spread is less than this times its short one
  tallM: 0.1, // m, an object's top this far above the counter makes it tall (can, bottle, juice box; not a cup)
  palmHalfM: 0.046, // m, the palm's half width along the fingers' travel (clearance below the pads once tipped)
  fingerOutsideM: 0.013, // m from a pad's face to its finger's outer face
  floorClear: 0.014, // m the pads' centres stay above the counter (the pads reach 0.012 lower)
  ringPx: 10, // px around the object's mask in the wrist camera whose median height is the counter top
  approachM: 0.08, // m above the grip point the hand stops before going straight down
  descendStepM: 0.006, // m per step the hand goes down from there
  gripSteps: 20, // steps the gripper holds still to close or open
  slowLiftM: 0.003, // m per step the hand rises for the first slowLiftTotal after closing
  slowLiftTotal: 0.021, // m
  torsoM: 0.45, // m of torso travel for the cabinet (0..0.45)
  floorAboveTopM: 0.5, // m: the cabinet's floor is at most this above the counter top (gap 0.42-0.48 + 0.018 panel)
  halfMarginM: 0.01, // m added to the seen half length (the top face is shorter than the object)
  rollClearM: 0.02, // m the object's lower end clears the highest floor while the tool rolls
  rollRateDeg: 4.5, // deg per step the tool rolls about its axis before the release
  halfGuessM: 0.06, // m, the object's half length when the wrist camera did not see it
  entryClearM: 0.03, // m the object's lowest point rides above that while it goes in
  cabinetDepthMaxM: 0.37, // m, the deepest wall cabinet: its front is at most this in front of the wall
  entryMarginM: 0.04, // m the object's far end stays in front of the cabinet's front before going in
  keepBackM: 0.1, // m the base stays backed off while the hand is in the cabinet (the open doors stand out beside the shoulder)
  backOffM: 0.2, // m the base backs off before the tool tips forward (then drives back with the object)
  tiltRateDeg: 4.5, // deg per step the tool tips from down to level (the most the hand turns in a step)
  turnRateDeg: 4, // deg per step the level tool turns from the tipping side to straight ahead
  wristToPadM: 0.155, // m from the wrist's pitch axis to the pads' centres: the tool tips about this point
  sweepClearM: 0.04, // m the object's far end stays in front of the wall behind the counter once tipped
  moveSteps: 160, // most steps of one hand motion
  inSteps: 60, // most steps of the hand's motion into the cabinet
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
  mask?: { size: [number, number]; counts: number[] };
  centroidUv: [number, number];
  centroidWorldXyz: Vec3 | null;
}
interface Frame {
  rgb: ArrayLike<number>;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number }; gripperWidthM: number; torsoM: number };
  taskDescription(): { words: string[] };
  segmentAll(opts: { query: string; camera?: string; size?: number; returnMasks?: boolean }): {
    detections: Detection[];
  };
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
  torso(opts: { m: number; maxSteps?: number }): Motion;
  goHome(opts?: { maxSteps?: number }): Motion;
}

/** The catalogue's categories (fixtures/objects.ts): the words that name an everyday object. */
const CATEGORIES = ["can", "cup", "bottle", "soap", "juice box", "sponge", "butter", "cucumber", "carrot"];
const AGENT_VIEWS = ["robot0_agentview_left", "robot0_agentview_right"];

/** The world point seen at pixel i of a frame with depth (null where the depth is not finite). */
function worldAt(f: Frame, size: number, i: number): Vec3 | null {
  const z = (f.depth as ArrayLike<number>)[i];
  if (!Number.isFinite(z)) return null;
  const { fx, fy, cx, cy } = f.intrinsics;
  const R = f.extrinsics.rotation;
  const p = f.extrinsics.position;
  const X = (((i % size) - cx) * z) / fx;
  const Y = ((Math.floor(i / size) - cy) * z) / fy;
  return [
    p[0] + R[0] * X + R[1] * Y + R[2] * z,
    p[1] + R[3] * X + R[4] * Y + R[5] * z,
    p[2] + R[6] * X + R[7] * Y + R[8] * z,
  ];
}

/** The value at quantile q (0..1) of a list of numbers. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))];
}

const DEG = Math.PI / 180;

/** World rpy (deg; R = Rz(yaw)·Ry(pitch)·Rx(roll)) of Rz(heading)·Ry(tilt)·Rz(twist): the tool down at tilt 180°. */
function handRpy(headingDeg: number, tiltDeg: number, twistDeg: number): number[] {
  const rz = (a: number) => [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];
  const ry = (a: number) => [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
  const mul = (a: number[], b: number[]) =>
    [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j]));
  const m = mul(mul(rz(headingDeg * DEG), ry(tiltDeg * DEG)), rz(twistDeg * DEG));
  const pitch = Math.asin(Math.max(-1, Math.min(1, -m[6])));
  if (Math.abs(m[6]) > 1 - 1e-9) return [0, pitch / DEG, Math.atan2(-m[1], m[4]) / DEG];
  return [Math.atan2(m[7], m[8]) / DEG, pitch / DEG, Math.atan2(m[3], m[0]) / DEG];
}

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const maybe = ctx.tools?.kitchen as KitchenTools | undefined;
  const kt = maybe as KitchenTools; // checked when an episode starts

  /**
   * The world points of the pixels grown by colour from the detection's centroid in a frame (camera looking down),
   * and the height of the surface it rests on: the median height of the pixels in a ring around its mask.
   */
  function objectPoints(f: Frame, size: number, d: Detection): { pts: Vec3[]; floor: number | null } {
    // the segmenter's own instance mask (run lengths, row-major, starting with a run of 0s); growing the centroid's
    // colour instead leaks into a counter of a similar colour
    const inMask = new Uint8Array(size * size);
    let [uLo, uHi, vLo, vHi] = [size, -1, size, -1];
    const pts: Vec3[] = [];
    if (d.mask) {
      let i = 0;
      d.mask.counts.forEach((run, k) => {
        if (k % 2 === 1) {
          for (let j = i; j < i + run && j < size * size; j++) {
            inMask[j] = 1;
            const [u, v] = [j % size, Math.floor(j / size)];
            [uLo, uHi, vLo, vHi] = [Math.min(uLo, u), Math.max(uHi, u), Math.min(vLo, v), Math.max(vHi, v)];
            const q = worldAt(f, size, j);
            if (q) pts.push(q);
          }
        }
        i += run;
      });
    }
    if (uHi < 0) return { pts, floor: null };
    const ring: number[] = [];
    const m = P.ringPx;
    for (let v = Math.max(0, vLo - m); v <= Math.min(size - 1, vHi + m); v++) {
      for (let u = Math.max(0, uLo - m); u <= Math.min(size - 1, uHi + m); u++) {
        const i = v * size + u;
        const q = inMask[i] ? null : worldAt(f, size, i);
        if (q) ring.push(q[2]);
      }
    }
    return { pts, floor: ring.length > 0 ? quantile(ring, 0.5) : null };
  }

  /**
   * Grip point (the top face's xy mean), the world angle (rad) to close the fingers along (the narrow side), the
   * object's top, and whether it is round seen from above.
   */
  function graspFrom(all: Vec3[]): {
    at: [number, number];
    closeAngle: number;
    top: number;
    half: number;
    round: boolean;
  } {
    // the top face only: the wrist camera sits beside the tool axis and sees one side too, which would pull the
    // centre towards that side
    const top = quantile(
      all.map((q) => q[2]),
      0.9,
    );
    const pts = all.filter((q) => q[2] >= top - P.topFaceM);
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
    const [cm, sm] = [Math.cos(major), Math.sin(major)];
    const half = quantile(
      pts.map((q) => Math.abs((q[0] - mx) * cm + (q[1] - my) * sm)),
      0.98,
    );
    // the spread's two principal variances: about equal for a round top (can, cup, bottle)
    const mean = (sxx + syy) / 2;
    const dev = Math.sqrt(((sxx - syy) / 2) ** 2 + sxy ** 2);
    const round = Math.sqrt((mean + dev) / Math.max(mean - dev, 1e-12)) < P.roundRatio;
    return {
      at: [mx, my],
      closeAngle: major + Math.PI / 2,
      top,
      half,
      round,
    };
  }

  return {
    episode() {
      if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s0 = kt.state();
      const yawDeg = s0.base.yawDeg;
      const h = (yawDeg * Math.PI) / 180;
      const fwd = [Math.cos(h), Math.sin(h)];
      /** Ahead of and to the left of the start pose, m. */
      const ahead = (q: readonly number[]) => (q[0] - s0.base.x) * fwd[0] + (q[1] - s0.base.y) * fwd[1];
      const side = (q: readonly number[]) => -(q[0] - s0.base.x) * fwd[1] + (q[1] - s0.base.y) * fwd[0];
      /** The world point `a` ahead of the start pose on the line `s` to its left. */
      const at = (a: number, s: number): [number, number] => [
        s0.base.x + fwd[0] * a - fwd[1] * s,
        s0.base.y + fwd[1] * a + fwd[0] * s,
      ];

      // 1. look: the object, and the wall behind the counter
      const words = kt.taskDescription().words;
      const cats = CATEGORIES.filter((c) => words.includes(c));
      const cands: { c: string; q: Vec3; area: number }[] = [];
      for (const c of cats) {
        for (const camera of AGENT_VIEWS) {
          for (const d of kt.segmentAll({ query: c, camera, size: P.lookSize }).detections) {
            const q = d.centroidWorldXyz;
            if (!q || d.maskArea < 6 || q[2] < P.objectZ[0] || q[2] > P.objectZ[1]) continue;
            if (Math.abs(side(q)) > P.laneM || ahead(q) < P.objectAhead[0] || ahead(q) > P.objectAhead[1]) continue;
            cands.push({ c, q, area: d.maskArea });
          }
        }
      }
      if (cands.length === 0) throw new Error(`no object seen on the counter (categories ${cats.join(", ")})`);
      cands.sort((a, b) => Math.abs(side(a.q)) - Math.abs(side(b.q)));
      const { c: category, q: first } = cands[0];
      const f0 = kt.image({ camera: AGENT_VIEWS[0], size: P.lookSize, depth: true });
      const topGuess = first[2] - 0.03;
      const wallA: number[] = [];
      for (let i = 0; i < P.lookSize * P.lookSize; i++) {
        const q = worldAt(f0, P.lookSize, i);
        if (!q || Math.abs(side(q)) > P.wallLaneM) continue;
        if (q[2] < topGuess + P.wallBand[0] || q[2] > topGuess + P.wallBand[1]) continue;
        wallA.push(ahead(q));
      }
      if (wallA.length < 20) throw new Error("the wall behind the counter is not seen");
      const wall = quantile(wallA, P.wallQuantile);
      console.log(`object: ${category} near ${first.map((v) => v.toFixed(3))}; wall ${wall.toFixed(3)} m ahead`);

      // 2. base: the object straight ahead, reachAhead in front of the base (no closer to the counter than maxForward)
      const baseTo = (aheadOf: number, sideOf: number) => {
        const b = kt.state().base;
        const go = Math.min(aheadOf - p.reachAhead, P.maxForward);
        const goal = at(go, sideOf);
        // the goal walks there at P.baseStepM a step: a full-speed start flings a held object out of the fingers
        const dist = Math.hypot(goal[0] - b.x, goal[1] - b.y);
        const n = Math.ceil(dist / P.baseStepM);
        for (let i = 1; i <= n; i++) {
          const f = i / n;
          kt.moveBase({ x: b.x + (goal[0] - b.x) * f, y: b.y + (goal[1] - b.y) * f, yaw: yawDeg, maxSteps: 1 });
        }
        return kt.moveBase({ x: goal[0], y: goal[1], yaw: yawDeg, maxSteps: P.baseSteps });
      };
      baseTo(ahead(first), side(first));

      // 3. peek from above
      kt.gripper({ close: false, steps: 4 });
      kt.moveEef({ pos: [first[0], first[1], first[2] + P.hoverM], rpy: [0, 180, yawDeg], maxSteps: P.moveSteps });
      const cam = "robot0_eye_in_hand";
      const dets = kt.segmentAll({ query: category, camera: cam, size: P.peekSize, returnMasks: true }).detections;
      const det = dets.sort((a, b) => b.maskArea - a.maskArea)[0];
      let grasp: { at: [number, number]; closeAngle: number; top: number; half: number; round: boolean } = {
        at: [first[0], first[1]] as [number, number],
        closeAngle: h + Math.PI / 2,
        top: first[2] + 0.02,
        half: P.halfGuessM,
        round: false,
      };
      let counterTop: number = P.counterTopGuess;
      if (det) {
        const f = kt.image({ camera: cam, size: P.peekSize, depth: true });
        const { pts, floor } = objectPoints(f, P.peekSize, det);
        if (pts.length >= 20) grasp = graspFrom(pts);
        if (floor !== null) counterTop = floor;
      } else console.log("peek: the wrist camera did not see the object; using the agent view's estimate");
      console.log(
        `grasp at ${grasp.at.map((v) => v.toFixed(3))}, top ${grasp.top.toFixed(3)}, counter ${counterTop.toFixed(3)}, close along ${((grasp.closeAngle * 180) / Math.PI).toFixed(0)} deg`,
      );

      // 4. grasp. The pads hold only by friction while the tool points down, and a held object creeps out of them
      //    under its own weight (a can slid 3 cm while the torso rose; turning the hand with a cucumber in it lost
      //    it), so the tool tips over right after the grasp, towards the side the fingers close along: the object
      //    turns about its own long axis, the pinch ends up-down and the lower finger carries it. A round object is
      //    gripped with the fingers along the heading (it tips straight ahead); a long one across its narrow side,
      //    tipping towards whichever side of it is nearer the heading.
      const wrapDeg = (a: number) => ((((a + 180) % 360) + 360) % 360) - 180;
      const tipDeg = grasp.round ? yawDeg : yawDeg + wrapDeg(((grasp.closeAngle * 180) / Math.PI - yawDeg) * 2) / 2;
      // the hand's turn kept within ±90° of the heading (the wrist's range): either twist closes along tipDeg
      const twist = tipDeg >= yawDeg ? 90 : -90;
      const rpy = handRpy(tipDeg, 180, twist);
      const tall = grasp.top - counterTop > P.tallM;
      // the pads as deep as the wrist allows above the object's top (or as low as the counter allows): the held object
      // creeps towards the fingertips until the tool has tipped, and the contact must stay on the pads
      const depth = tall ? P.gripBelowTopTall : p.gripBelowTop;
      const gz = Math.max(grasp.top - depth, counterTop + P.floorClear);
      const [gx, gy] = grasp.at;
      kt.moveEef({ pos: [gx, gy, gz + P.approachM], rpy, maxSteps: P.moveSteps });
      // the last centimetres slowly (P.descendStepM a step): a fast hand lags sideways, and a pad landing on the
      // edge of a flat object (a sponge leaves 5 mm a side) tips it up into the palm
      const ez = kt.state().eePos[2];
      for (let z = ez - P.descendStepM; z > gz; z -= P.descendStepM) {
        kt.moveEef({ pos: [gx, gy, z], rpy, tolerance: 0.001, maxSteps: 1 });
      }
      kt.moveEef({ pos: [gx, gy, gz], rpy, tolerance: 0.004, maxSteps: P.moveSteps });
      const g = kt.gripper({ close: true, steps: P.gripSteps });
      console.log(
        `closed: width ${g.widthM.toFixed(3)} m, force ${g.forceN.toFixed(1)} N, tip towards ${tipDeg.toFixed(0)} deg`,
      );
      // the first centimetres slowly, the goal P.slowLiftM a step, while the pads settle on the object
      for (let dz = P.slowLiftM; dz <= P.slowLiftTotal + 1e-9; dz += P.slowLiftM) {
        kt.moveEef({ pos: [gx, gy, gz + dz], rpy, tolerance: 0.0005, maxSteps: 1 });
      }
      const hang = gz - counterTop; // the object's bottom below the pads' centres
      // once the tool points forward the fingers close up-down: the lower finger's outer face (or the palm) is the
      // robot's lowest point below the pads' centres
      const below = Math.max(P.palmHalfM, g.widthM / 2 + P.fingerOutsideM);
      const baseShift = (by: number) => {
        const b = kt.state().base;
        const goal = [b.x + fwd[0] * by, b.y + fwd[1] * by];
        const n = Math.ceil(Math.abs(by) / P.baseStepM);
        for (let i = 1; i <= n; i++) {
          const f = i / n;
          kt.moveBase({ x: b.x + (goal[0] - b.x) * f, y: b.y + (goal[1] - b.y) * f, yaw: yawDeg, maxSteps: 1 });
        }
        return kt.moveBase({ x: goal[0], y: goal[1], yaw: yawDeg, maxSteps: P.baseSteps });
      };

      // 5. tip about the wrist (the wrist stays where it is, so the arm does not fold), P.tiltRateDeg a step; first
      //    back off if the object's far end would reach the wall behind the counter
      const sweep = P.wristToPadM + hang; // the object's far end from the wrist once tipped
      const tipOff = (tipDeg - yawDeg) * DEG;
      const need = ahead([gx, gy]) + sweep * Math.cos(tipOff) + P.sweepClearM - wall;
      let backed = 0;
      if (need > 0) {
        baseShift(-need);
        backed = need;
      }
      const dir = (deg: number) => [Math.cos(deg * DEG), Math.sin(deg * DEG)];
      const e0 = kt.state().eePos;
      const wrist = [e0[0], e0[1], e0[2] + P.wristToPadM];
      const d = dir(tipDeg);
      for (let tilt = 180 - P.tiltRateDeg; tilt >= 90 - 1e-9; tilt -= P.tiltRateDeg) {
        const [sn, cs] = [Math.sin(tilt * DEG), Math.cos(tilt * DEG)];
        const pos = [
          wrist[0] + d[0] * sn * P.wristToPadM,
          wrist[1] + d[1] * sn * P.wristToPadM,
          wrist[2] + cs * P.wristToPadM,
        ];
        kt.moveEef({ pos, rpy: handRpy(tipDeg, tilt, twist), maxSteps: 2 });
      }
      // then the tool turns (still level) from the tipping side to straight ahead, about the wrist, P.turnRateDeg a
      // step, with the base backed off P.backOffM in all (or more where the wall is near) for room ahead
      const room = Math.max(P.backOffM, ahead([gx, gy]) + sweep + P.sweepClearM - wall);
      if (backed < room) baseShift(-(room - backed));
      backed = Math.max(backed, room);
      const e1 = kt.state().eePos;
      const w1 = [e1[0] - d[0] * P.wristToPadM, e1[1] - d[1] * P.wristToPadM, e1[2]];
      const turnN = Math.ceil(Math.abs(tipDeg - yawDeg) / P.turnRateDeg);
      for (let i = 1; i <= turnN; i++) {
        const hd = tipDeg + ((yawDeg - tipDeg) * i) / turnN;
        const dd = dir(hd);
        const pos = [w1[0] + dd[0] * P.wristToPadM, w1[1] + dd[1] * P.wristToPadM, w1[2]];
        kt.moveEef({ pos, rpy: handRpy(hd, 90, twist), maxSteps: 2 });
      }
      const fwdRpy = handRpy(yawDeg, 90, twist);

      // 6. up: the base backed off P.backOffM in all (the hand rides along) so the hand has room ahead of the
      //    shoulder, the torso up, the hand in front of the cabinet (the object's far end clear of the deepest
      //    cabinet's front) at the opening's height
      const tr = kt.torso({ m: P.torsoM });
      const floorZ = counterTop + P.floorAboveTopM;
      const mid = side([gx, gy]);
      const entryZ = floorZ + P.entryClearM + below;
      const front = at(wall - P.cabinetDepthMaxM - P.entryMarginM - hang, mid);
      const m1 = kt.moveEef({ pos: [front[0], front[1], entryZ], rpy: fwdRpy, maxSteps: P.moveSteps });

      // 7. in: the base drives back up (the hand rides into the cabinet), the hand the rest of the way, down
      baseShift(backed - P.keepBackM);
      const inside = at(wall - p.placeFromWallM - hang, mid);
      // (the wall is seen only roughly: a hand that cannot get there stops after P.inSteps rather than push on)
      const m2 = kt.moveEef({
        pos: [inside[0], inside[1], entryZ],
        rpy: fwdRpy,
        tolerance: 0.015,
        maxSteps: P.inSteps,
      });
      // 8. place: with the pinch up-down the object rests on the lower finger, which would carry it back out, so
      //    the tool rolls a quarter turn about its axis first (the pinch level; a long object then stands on end),
      //    high enough for the object's lower end to clear the floor, then the hand goes down and opens
      const lowest = (grasp.round ? g.widthM / 2 : grasp.half + P.halfMarginM) + p.placeClearM;
      const rollZ = Math.max(entryZ, floorZ + lowest + P.rollClearM);
      kt.moveEef({ pos: [inside[0], inside[1], rollZ], rpy: fwdRpy, maxSteps: P.moveSteps });
      const rollN = Math.ceil(90 / P.rollRateDeg);
      for (let i = 1; i <= rollN; i++) {
        kt.moveEef({
          pos: [inside[0], inside[1], rollZ],
          rpy: handRpy(yawDeg, 90, twist - (twist * i) / rollN),
          maxSteps: 2,
        });
      }
      const levelRpy = handRpy(yawDeg, 90, 0);
      const placeZ = floorZ + lowest;
      const m3 = kt.moveEef({ pos: [inside[0], inside[1], placeZ], rpy: levelRpy, maxSteps: P.moveSteps });
      console.log(
        `torso ${tr.arrived} front ${m1.arrived} ${m1.distance.toFixed(3)} in ${m2.arrived} ${m2.distance.toFixed(3)} down ${m3.arrived} ${m3.distance.toFixed(3)}`,
      );
      kt.gripper({ close: false, steps: P.gripSteps });

      // 9. retreat: straight back out of the cabinet, the base backs off, home
      kt.moveEef({ pos: [front[0], front[1], placeZ], rpy: levelRpy, maxSteps: P.moveSteps });
      baseShift(-P.backOffM);
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
