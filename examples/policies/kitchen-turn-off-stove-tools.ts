/**
 * A turn-off-stove policy for the kitchen task (src/env/kitchen) that acts through the kitchen tools only
 * (`ctx.tools.kitchen`, src/env/kitchen/tools/): it finds the burner that is on from pixels, grips its knob and turns
 * the hand about the knob's axis back to 0. It reads no object or fixture pose.
 *
 * 1. look (first step): the four knobs and their pointers ("knob", "knob marker") in robot0_agentview_left at 512 px.
 *    A knob's white pointer points up when it is off; the knobs are ranked by how low their pointer sits against
 *    their disc (from the agent view the pointer is a few px, too few for its angle), the lowest first.
 * 2. base: the base backs off 20 cm from its approach pose. Pointing forward puts the wrist 0.155 m behind the hand,
 *    and the elbow folds at most 2.8 rad, so at knob height the hand must stay about 0.35 m ahead of the shoulder;
 *    from the approach pose the peek pose 20 cm in front of the knob is closer than that.
 * 3. lower: the hand, tool still down, goes 20 cm in front of the knob. 4. orient: there the tool tips from down to
 *    forward, 3° a step (turning 90° at once, or far from the knob, folded the arm into its joint limits and the hand
 *    ended over the cooktop). Forward is the arm's natural pose Rz(heading)·Ry(90°): fingers closing left-right.
 * 5. front, peek: the wrist camera looks straight at the knob. The knob is as dark as many panels, so its disc is
 *    found by depth (it stands 2.8 cm out of the panel), its pointer as the disc's bright pixels; the direction from
 *    the disc's centroid to the pointer's (deprojected) gives the angle without a half-turn ambiguity, the disc's
 *    centroid the knob's face. If the first knob already reads off, the next one in the ranking is peeked at.
 * 6. reach: the open hand goes over the knob (the pads either side of its cylinder), pre-turned by half the turn.
 * 7. grip, 8. turn the hand about its tool axis (the knob's) by −angle, back past 0, 9. release, 10. back away to
 *    the peek pose and look again: up to 4 grip-and-turn tries until the knob reads within 0.2 rad of 0.
 * Status: 10/10 on the paper's first 10 episodes (`enpire run --seed-start 0 --episodes 10 --stations 2`), and 40/40
 * on the whole list. A knob usually takes two or three tries (the pads slip: a 2.4 rad turn of the hand turns the
 * knob about 2 rad); a stove on a side wall and a wrong first guess from the agent view (small angles) are handled by
 * the peek. Not tried: other kitchens than the list's, a knob the arm cannot reach with the base only backed off.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js"; // type-only: erased when bundled

const P = Object.freeze({
  lookSize: 512, // px, agent-view frame for finding the knobs
  knobAreaMax: 1600, // px at 512: larger dark blobs are the countertop or the oven window, not a knob
  knobAreaMin: 80, // px at 512: smaller ones are seams
  peekSize: 256, // px, the wrist camera's frame
  frontOffsetM: 0.2, // m in front of the knob's face for the peek
  discStandM: 0.012, // m nearer than the panel that counts as the knob's disc (it stands 0.028 m out)
  discAreaMin: 150, // px at 256: a smaller near patch is not a knob's disc
  pointerContrast: 40, // 0..255: the pointer (white, lit 80-130) is this much brighter than the disc's median
  pointerAreaMin: 8, // px at 256: fewer bright pixels on the disc is no pointer
  offRad: 0.2, // rad: a knob within this of 0 reads as off (RoboCasa's band is 0.35)
  tries: 4, // grip-and-turn attempts at most
  gripDepthM: 0.016, // m past the face (toward the panel) where the pads close
  phaseSteps: 80, // most steps spent in one motion phase
  gripSteps: 12, // steps to close (or open) the gripper
  tiltRateDeg: 3, // deg per step the tool tips from down to forward
  turnRateDeg: 10, // deg the turn's goal advances per step
  turnSign: -1, // the hand's turn about its tool axis that brings a knob back to 0 is turnSign × its angle
  overturnRad: 0.05, // rad past 0, a margin for the pads' slip
  backOffM: 0.15, // m to back away after releasing
  baseForwardM: -0.2, // m the base drives toward the stove first (< 0: backs off) from its 0.6 m approach pose
});

type Vec3 = [number, number, number];
interface Motion {
  action: number[];
  arrived: boolean;
  distance: number;
}
interface Detection {
  maskArea: number;
  centroidUv: [number, number];
  centroidWorldXyz: Vec3 | null;
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number } };
  segmentAll(opts: {
    query: string;
    camera?: string;
    size?: number;
    filters?: { metric: string; op: string; value: number }[];
  }): { detections: Detection[] };
  moveBase(opts: { x: number; y: number; yaw: number }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean }): Motion;
  gripper(opts: { close: boolean }): { action: number[] };
  image(opts: { camera: string; size: number; depth: boolean }): {
    rgb: ArrayLike<number>;
    depth: ArrayLike<number> | null;
  };
  deproject(u: number, v: number, camera: string, size: number): Vec3;
}

type Phase = "look" | "base" | "lower" | "orient" | "front" | "reach" | "grip" | "turn" | "release" | "back" | "done";

const createPolicy: CreatePolicy<unknown, number[]> = (ctx) => {
  const maybe = ctx.tools?.kitchen as unknown as KitchenTools | undefined;
  if (!maybe) throw new Error("this policy needs the kitchen tools (ctx.tools.kitchen)");
  const k: KitchenTools = maybe;
  let phase: Phase = "look";
  let steps = 0;
  let knob: Vec3 = [0, 0, 0]; // the knob's face centre, world m
  let fwd: Vec3 = [0, 1, 0]; // the robot's heading (the knob's axis into the panel), world
  let yawDeg = 90;
  let angle = 0; // the knob's angle, rad
  let tries = 0; // grip-and-turn attempts so far
  let candidates: Vec3[] = []; // the other knobs, likeliest on first (from the agent view)
  /** The hand's whole turn about the tool axis, deg, that brings the knob from `angle` back past 0 by the margin. */
  const turnDeg = () => P.turnSign * (angle + Math.sign(angle) * P.overturnRad) * (180 / Math.PI);
  let pitch = 0; // the hand's turn about the knob axis, deg
  let baseGoal = { x: 0, y: 0, yaw: 0 }; // the base's pose backed off from the stove (world m, deg)
  let tilt = 180; // deg the tool axis is tipped from straight down towards the heading (90: pointing forward)
  /**
   * The hand's orientation as world rpy deg: R = Rz(heading)·Ry(tilt)·Rz(pitch), tool down at tilt 180°, pointing
   * forward along the heading at 90°, turned `pitch` deg about its own tool axis. Turn 0 is the arm's natural pose
   * (the fingers close left-right, the wrist unrolled); forward sits at rpy pitch 90°, where roll and yaw fold into
   * one, so the rpy is read off the matrix.
   */
  const rpy = (): number[] => {
    const r = Math.PI / 180;
    const [ch, sh, cb, sb] = [Math.cos(yawDeg * r), Math.sin(yawDeg * r), Math.cos(tilt * r), Math.sin(tilt * r)];
    const [ct, st] = [Math.cos(pitch * r), Math.sin(pitch * r)];
    // A = Rz(heading)·Ry(tilt), then m = A·Rz(pitch)
    const A = [ch * cb, -sh, ch * sb, sh * cb, ch, sh * sb, -sb, 0, cb];
    const m = [0, 1, 2].flatMap((i) => [
      A[3 * i] * ct + A[3 * i + 1] * st,
      -A[3 * i] * st + A[3 * i + 1] * ct,
      A[3 * i + 2],
    ]);
    const p = Math.asin(Math.max(-1, Math.min(1, -m[6])));
    if (Math.abs(m[6]) > 1 - 1e-9) return [0, p / r, Math.atan2(-m[1], m[4]) / r];
    return [Math.atan2(m[7], m[8]) / r, p / r, Math.atan2(m[3], m[0]) / r];
  };
  const at = (depth: number): number[] => knob.map((v, i) => v + fwd[i] * depth);
  const next = (p: Phase) => {
    phase = p;
    steps = 0;
  };
  const world = (d: Detection) => d.centroidWorldXyz as Vec3;

  /** The knob that is on, from the agent view: its pointer lowest relative to its disc, against the others. */
  function look(): void {
    const s = k.state();
    yawDeg = s.base.yawDeg;
    const y = (yawDeg * Math.PI) / 180;
    fwd = [Math.cos(y), Math.sin(y), 0];
    const knobs = k
      .segmentAll({ query: "knob", size: P.lookSize, filters: [{ metric: "area", op: "<=", value: P.knobAreaMax }] })
      .detections.filter((d) => d.maskArea >= P.knobAreaMin && d.centroidWorldXyz);
    const markers = k
      .segmentAll({ query: "knob marker", size: P.lookSize })
      .detections.filter((d) => d.centroidWorldXyz);
    // the knobs sit in one row: keep those within 4 cm of the median height
    const zs = knobs.map((d) => world(d)[2]).sort((a, b) => a - b);
    const zMid = zs[Math.floor(zs.length / 2)] ?? s.eePos[2];
    const row = knobs.filter((d) => Math.abs(world(d)[2] - zMid) < 0.04);
    const drops = row.map((d) => {
      const c = world(d);
      const near = markers
        .map((m) => ({ m, r: Math.hypot(world(m)[0] - c[0], world(m)[1] - c[1], world(m)[2] - c[2]) }))
        .filter((x) => x.r < 0.03)
        .sort((a, b) => a.r - b.r)[0];
      return { d, dz: near ? world(near.m)[2] - c[2] : 0 };
    });
    const ranked = drops.sort((a, b) => a.dz - b.dz);
    const on = ranked[0];
    if (!on) throw new Error("no stove knob seen from robot0_agentview_left");
    candidates = ranked.slice(1).map((r) => world(r.d));
    const c = world(on.d);
    knob = [c[0], c[1], c[2]];
    console.log(`knob on near ${c.map((v) => v.toFixed(3))} (pointer ${(on.dz * 1000).toFixed(1)} mm)`);
  }

  /**
   * The knob's angle and face centre from the wrist camera looking at it head-on. The knob is as dark as the panel
   * behind it, so colour cannot tell its disc; depth can: the disc stands STOVE.knobDepth (2.8 cm) out of the panel.
   * The disc is the connected patch nearer than the panel nearest the image's centre, its centroid the knob's axis;
   * the white pointer's pixels on it give the direction, so the angle has no half-turn ambiguity.
   * Returns false when no disc or pointer was seen (the estimate is kept).
   */
  function peek(): boolean {
    const cam = "robot0_eye_in_hand";
    const n = P.peekSize;
    const im = k.image({ camera: cam, size: n, depth: true });
    const depth = im.depth as ArrayLike<number>;
    const sorted = Array.from(depth).sort((x, y) => x - y);
    const panel = sorted[Math.floor(sorted.length / 2)]; // the panel fills most of the frame
    const near = (i: number) => depth[i] < panel - P.discStandM;
    let seed = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n * n; i++) {
      if (!near(i)) continue;
      const r = Math.hypot((i % n) - n / 2, Math.floor(i / n) - n / 2);
      if (r < best) [best, seed] = [r, i];
    }
    if (seed < 0) {
      console.log("peek: no knob disc in the wrist camera; keeping the estimate");
      return false;
    }
    // flood fill the disc from the seed pixel
    const inDisc = new Uint8Array(n * n);
    const stack = [seed];
    inDisc[seed] = 1;
    const disc: number[] = [];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      disc.push(i);
      const [u, v] = [i % n, Math.floor(i / n)];
      for (const [du, dv] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const [uu, vv] = [u + du, v + dv];
        const j = vv * n + uu;
        if (uu < 0 || vv < 0 || uu >= n || vv >= n || inDisc[j] || !near(j)) continue;
        inDisc[j] = 1;
        stack.push(j);
      }
    }
    // the pointer: the disc's pixels well brighter than its (dark) median, in every channel
    const value = (i: number) => Math.min(im.rgb[3 * i], im.rgb[3 * i + 1], im.rgb[3 * i + 2]);
    const values = disc.map(value).sort((x, y) => x - y);
    const cut = values[Math.floor(values.length / 2)] + P.pointerContrast;
    const bright = disc.filter((i) => value(i) > cut);
    if (disc.length < P.discAreaMin || bright.length < P.pointerAreaMin) {
      console.log(`peek: disc ${disc.length} px, pointer ${bright.length} px; keeping the estimate`);
      return false;
    }
    const centroid = (px: number[]) => [
      px.reduce((t, i) => t + (i % n), 0) / px.length,
      px.reduce((t, i) => t + Math.floor(i / n), 0) / px.length,
    ];
    const [uc, vc] = centroid(disc);
    const [up, vp] = centroid(bright);
    const c = k.deproject(Math.round(uc), Math.round(vc), cam, n);
    const m = k.deproject(Math.round(up), Math.round(vp), cam, n);
    // right of the robot in the panel's plane (world): fwd × up
    const right: Vec3 = [fwd[1], -fwd[0], 0];
    const dx = (m[0] - c[0]) * right[0] + (m[1] - c[1]) * right[1];
    const dz = m[2] - c[2];
    angle = Math.atan2(dx, dz);
    knob = [c[0], c[1], c[2]];
    console.log(
      `peek: angle ${angle.toFixed(2)} rad (disc ${disc.length} px, pointer ${bright.length} px), knob face ${knob.map((v) => v.toFixed(3))}`,
    );
    return true;
  }

  return {
    reset() {
      next("look");
      tilt = 180;
      pitch = 0;
      tries = 0;
      angle = 0;
    },
    act() {
      steps++;
      if (phase === "look") {
        look();
        const b = k.state().base;
        baseGoal = { x: b.x + fwd[0] * P.baseForwardM, y: b.y + fwd[1] * P.baseForwardM, yaw: b.yawDeg };
        next("base");
      }
      if (phase === "base") {
        const m = k.moveBase(baseGoal);
        if (m.arrived || steps > P.phaseSteps) {
          next("lower");
        }
        return m.action;
      }
      if (phase === "lower") {
        // tool still down: lower the hand in front of the knob first, where tipping it leaves the elbow room
        const m = k.moveEef({ pos: at(-P.frontOffsetM), rpy: rpy(), gripper: false });
        if (m.arrived || steps > P.phaseSteps) next("orient");
        return m.action;
      }
      if (phase === "orient") {
        // then tip the tool from down to forward a few degrees a step
        tilt = Math.max(90, tilt - P.tiltRateDeg);
        const m = k.moveEef({ pos: at(-P.frontOffsetM), rpy: rpy(), gripper: false });
        if ((tilt === 90 && m.arrived) || steps > P.phaseSteps) next("front");
        return m.action;
      }
      if (phase === "front") {
        const m = k.moveEef({ pos: at(-P.frontOffsetM), rpy: rpy(), gripper: false });
        if (m.arrived || steps > P.phaseSteps) {
          const seen = peek();
          const off = seen && Math.abs(angle) < P.offRad;
          if (off && tries === 0 && candidates.length > 0) {
            // the agent view's guess was off already: look at the next knob in its ranking
            knob = candidates.shift() as Vec3;
            next("front");
          } else if (tries >= P.tries || off) {
            next("done");
          } else {
            tries++;
            pitch = -turnDeg() / 2; // pre-turned by half, so the wrist turns ± half the way
            next("reach");
          }
        }
        return m.action;
      }
      if (phase === "reach") {
        const pre = steps < P.phaseSteps / 2 ? at(-0.06) : at(P.gripDepthM);
        const m = k.moveEef({ pos: pre, rpy: rpy(), tolerance: 0.005 });
        if ((m.arrived && steps >= P.phaseSteps / 2) || steps > P.phaseSteps) next("grip");
        return m.action;
      }
      if (phase === "grip") {
        const g = k.gripper({ close: true });
        if (steps > P.gripSteps) next("turn");
        return g.action;
      }
      if (phase === "turn") {
        const goal = turnDeg() / 2;
        const stepDeg = Math.sign(goal - pitch) * Math.min(P.turnRateDeg, Math.abs(goal - pitch));
        pitch += stepDeg;
        const m = k.moveEef({ pos: at(P.gripDepthM), rpy: rpy() });
        if ((Math.abs(goal - pitch) < 1e-6 && m.arrived) || steps > P.phaseSteps) next("release");
        return m.action;
      }
      if (phase === "release") {
        const g = k.gripper({ close: false });
        if (steps > P.gripSteps) next("back");
        return g.action;
      }
      if (phase === "back") {
        // out of the knob first, then unturn the hand and look again from the peek pose
        const m = k.moveEef({ pos: at(-P.backOffM), rpy: rpy() });
        if (m.arrived || steps > P.phaseSteps) {
          pitch = 0;
          next("front");
        }
        return m.action;
      }
      const m = k.moveEef({ pos: at(-P.frontOffsetM), rpy: rpy() });
      return m.action;
    },
  };
};
export default createPolicy;
