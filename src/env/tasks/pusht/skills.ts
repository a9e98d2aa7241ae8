/**
 * The Push-T skill library: host tools a code policy calls as `ctx.tools.pusht.<name>(...)` (see core/tools.ts;
 * the registry hands it to Push-T's policies).
 * Units are Push-T's: px in the 512×512 arena, y pointing down, angles in rad (an angle grows clockwise on screen).
 * An action is the pusher's absolute target [x, y], tracked by a PD controller at 10 Hz.
 *
 * Perception is from pixels only: the observation's own 96×96 image when the policy's observation type has one
 * ("pixels", "pixels_agent_pos"), else a fresh frame from the station's camera (host.camera(96)). The policy never
 * sees simulator state through these tools. A block pose is the T's body origin (the top centre of its bar, as the
 * state observation and the goal have it) and its angle, plus its centre of gravity (cx, cy) = origin + R(angle)·(0, 45),
 * the point a push must aim through to move the block without turning it.
 *
 * The skills are stateless: each call looks again and answers with the next action, so a policy calls one every
 * step and keeps its own plan. moveTo, approach, pushAlong and retreat answer `{ action, arrived, distance, phase }`.
 */

import type { ToolHost, ToolSet } from "../../../core/tools.js";
import { AGENT_RADIUS, ARENA_SIZE, GOAL_POSE, T_BAR, T_CENTER_OF_GRAVITY, T_STEM } from "./geometry.js";
import { estimateAgentPosition, estimateBlockPose } from "./perception.js";

export const PUSHT_SKILL_DEFAULTS = Object.freeze({
  frameSize: 96, // side of the camera frame asked for when the observation has no pixels, px
  maxStepPx: 25, // furthest a commanded target is put from the pusher in one step (250 px/s at 10 Hz)
  arrivedPx: 4, // the pusher has arrived when its centre is this close to the goal point
  standoffPx: 40, // approach: how far out along the normal the pusher lines up before going in
  lineTolerancePx: 12, // approach: how far off the approach line the pusher may be and still go in
  clearancePx: 8, // room kept between the pusher's rim and the block when going round it
  orbitRadiusPx: 110, // going round the block: circle about its centre of gravity that clears the T and the pusher
  orbitStepRad: 0.6, // going round: most of the circle covered by one waypoint, rad
  pushDepthPx: 30, // pushAlong: how far past first contact the pusher's target is put
  retreatPx: 50, // retreat: clearance between the pusher's rim and the block to retreat to
  margin: 10, // targets are kept this far inside the arena's edges, px
});

export interface BlockPose {
  x: number; // body origin (top centre of the bar), px
  y: number;
  angle: number; // rad, 0..2π
  cx: number; // centre of gravity, px
  cy: number;
}

export interface Perception {
  block: BlockPose | null; // null when too little of the block is in view
  agent: { x: number; y: number } | null; // the pusher's centre, null when none of it is in view
  confidence: number; // 0..1: share of the pixels near the block that the pose explains (0 with no block)
}

export interface Motion {
  action: [number, number]; // the next pusher target, px
  arrived: boolean; // the pusher is at the point this skill was taking it to
  distance: number; // px from the pusher to that point
  phase: string; // what the skill is doing: "move", "around", "standoff", "in", "push", "retreat"
}

type Vec = [number, number];
type PoseInput = { x: number; y: number; angle: number };

/** The Push-T tool set for one sandboxed policy, reading frames from the observation or the host's camera. */
export function pushtSkills(host: ToolHost): ToolSet {
  const D = PUSHT_SKILL_DEFAULTS;

  /** An RGB frame and its side: the observation's pixels, or the camera's. */
  function frame(): { rgb: Uint8Array; size: number; fromCamera: boolean } {
    const obs = host.observation();
    const pixels =
      obs instanceof Uint8Array ? obs : isRecord(obs) && obs.pixels instanceof Uint8Array ? obs.pixels : null;
    if (pixels) {
      const size = Math.round(Math.sqrt(pixels.length / 3));
      if (size * size * 3 === pixels.length) return { rgb: pixels, size, fromCamera: false };
    }
    if (!host.camera) throw new Error("the observation has no pixels and this station has no camera");
    return { rgb: host.camera(D.frameSize), size: D.frameSize, fromCamera: true };
  }

  function perceive(): Perception {
    const { rgb, size, fromCamera } = frame();
    // a station's render marks the commanded target with a pure red cross (the observation never has one): read
    // those pixels as the pusher (unknown) for the block's fit, and as background for the pusher's position
    const forBlock = fromCamera ? recolourRed(rgb, [65, 105, 225]) : rgb;
    const forAgent = fromCamera ? recolourRed(rgb, [255, 255, 255]) : rgb;
    const est = estimateBlockPose(forBlock, size);
    const agent = estimateAgentPosition(forAgent, size);
    return {
      block: est ? blockPose({ x: est.pose[0], y: est.pose[1], angle: est.pose[2] }) : null,
      agent: agent ? { x: agent[0], y: agent[1] } : null,
      confidence: est ? est.agreement : 0,
    };
  }

  /** The pusher's centre: from the observation when it carries it, else from the pixels. */
  function pusher(): Vec {
    const obs = host.observation();
    if (Array.isArray(obs) && (obs.length === 5 || obs.length === 18)) {
      const i = obs.length === 5 ? 0 : 16;
      return [Number(obs[i]), Number(obs[i + 1])];
    }
    if (isRecord(obs) && Array.isArray(obs.agent_pos)) return [Number(obs.agent_pos[0]), Number(obs.agent_pos[1])];
    const seen = perceive().agent;
    if (!seen) throw new Error("the pusher is not in view");
    return [seen.x, seen.y];
  }

  function theBlock(given: PoseInput | undefined): BlockPose {
    if (given) return blockPose(checkedPose(given));
    const seen = perceive().block;
    if (!seen) throw new Error("the block is not in view");
    return seen;
  }

  function moveFrom(p: Vec, target: Vec, maxStepPx: number, phase: string): Motion {
    const dx = target[0] - p[0];
    const dy = target[1] - p[1];
    const distance = Math.hypot(dx, dy);
    const k = distance > maxStepPx ? maxStepPx / distance : 1;
    return {
      action: [clampArena(p[0] + dx * k), clampArena(p[1] + dy * k)],
      arrived: distance <= D.arrivedPx,
      distance,
      phase,
    };
  }

  /** approach's core: round the block when the way is blocked, to the stand-off, then in along -normal. */
  function approachFrom(p: Vec, goal: Vec, n: Vec, standoffPx: number, block: BlockPose, maxStepPx: number): Motion {
    const standoff: Vec = [goal[0] + n[0] * standoffPx, goal[1] + n[1] * standoffPx];
    const rel: Vec = [p[0] - goal[0], p[1] - goal[1]];
    const along = rel[0] * n[0] + rel[1] * n[1];
    const lateral = Math.abs(rel[0] * n[1] - rel[1] * n[0]);
    if (lateral <= D.lineTolerancePx && along >= -D.lineTolerancePx && along <= standoffPx + D.lineTolerancePx) {
      const m = moveFrom(p, goal, maxStepPx, "in");
      return m;
    }
    if (!segmentHitsBlock(p, standoff, block, AGENT_RADIUS + D.clearancePx))
      return { ...moveFrom(p, standoff, maxStepPx, "standoff"), arrived: false };
    return { ...moveFrom(p, orbitWaypoint(p, standoff, block), maxStepPx, "around"), arrived: false };
  }

  /** A point on a circle about the block's centre of gravity, toward `to`, that keeps the pusher off the block. */
  function orbitWaypoint(p: Vec, to: Vec, block: BlockPose): Vec {
    const c: Vec = [block.cx, block.cy];
    const r = Math.hypot(p[0] - c[0], p[1] - c[1]);
    const from = Math.atan2(p[1] - c[1], p[0] - c[0]);
    if (r < D.orbitRadiusPx - 5)
      return [c[0] + Math.cos(from) * D.orbitRadiusPx, c[1] + Math.sin(from) * D.orbitRadiusPx];
    let delta = Math.atan2(to[1] - c[1], to[0] - c[0]) - from;
    delta = Math.atan2(Math.sin(delta), Math.cos(delta));
    const heading = from + Math.sign(delta) * Math.min(Math.abs(delta), D.orbitStepRad);
    const radius = Math.max(D.orbitRadiusPx, r);
    return [c[0] + Math.cos(heading) * radius, c[1] + Math.sin(heading) * radius];
  }

  const functions = {
    perceive,

    goal(): PoseInput & { cx: number; cy: number } {
      return blockPose({ x: GOAL_POSE[0], y: GOAL_POSE[1], angle: GOAL_POSE[2] });
    },

    moveTo(x: number, y: number, opts: { maxStepPx?: number } = {}): Motion {
      return moveFrom(
        pusher(),
        [num(x, "x"), num(y, "y")],
        positive(opts?.maxStepPx, D.maxStepPx, "maxStepPx"),
        "move",
      );
    },

    approach(
      x: number,
      y: number,
      normal: [number, number],
      opts: { standoffPx?: number; maxStepPx?: number; block?: PoseInput } = {},
    ): Motion {
      const n = unit(normal, "normal");
      const standoffPx = positive(opts?.standoffPx, D.standoffPx, "standoffPx");
      const maxStepPx = positive(opts?.maxStepPx, D.maxStepPx, "maxStepPx");
      return approachFrom(pusher(), [num(x, "x"), num(y, "y")], n, standoffPx, theBlock(opts?.block), maxStepPx);
    },

    pushAlong(
      dx: number,
      dy: number,
      opts: { depthPx?: number; offsetPx?: number; maxStepPx?: number; block?: PoseInput } = {},
    ): Motion {
      const u = unit([dx, dy], "direction (dx, dy)");
      const depthPx = nonNegative(opts?.depthPx, D.pushDepthPx, "depthPx");
      const offsetPx = opts?.offsetPx === undefined ? 0 : num(opts.offsetPx, "offsetPx");
      const maxStepPx = positive(opts?.maxStepPx, D.maxStepPx, "maxStepPx");
      const block = theBlock(opts?.block);
      const perp: Vec = [-u[1], u[0]];
      const through: Vec = [block.cx + perp[0] * offsetPx, block.cy + perp[1] * offsetPx];
      const contact = backSurface(through, u, block);
      if (!contact) throw new Error(`the push line ${offsetPx} px off the centre of gravity misses the block`);
      // the pusher's centre touches the surface one radius behind it, and pushes on to depthPx past that
      const touch: Vec = [contact[0] - u[0] * AGENT_RADIUS, contact[1] - u[1] * AGENT_RADIUS];
      const goal: Vec = [touch[0] + u[0] * depthPx, touch[1] + u[1] * depthPx];
      const m = approachFrom(pusher(), goal, [-u[0], -u[1]], depthPx + D.standoffPx, block, maxStepPx);
      return m.phase === "in" ? { ...m, phase: "push" } : m;
    },

    retreat(opts: { distancePx?: number; maxStepPx?: number; block?: PoseInput } = {}): Motion {
      const distancePx = positive(opts?.distancePx, D.retreatPx, "distancePx");
      const maxStepPx = positive(opts?.maxStepPx, D.maxStepPx, "maxStepPx");
      const block = theBlock(opts?.block);
      const p = pusher();
      const clear = outlineDistance(p, block) - AGENT_RADIUS;
      let away: Vec = [p[0] - block.cx, p[1] - block.cy];
      const len = Math.hypot(away[0], away[1]);
      away = len > 1e-9 ? [away[0] / len, away[1] / len] : [0, 1];
      const still = Math.max(0, distancePx - clear);
      const m = moveFrom(p, [p[0] + away[0] * still, p[1] + away[1] * still], maxStepPx, "retreat");
      return { ...m, arrived: still <= D.arrivedPx, distance: still };
    },
  };

  return {
    namespace: "pusht",
    describe: {
      perceive:
        "perceive() → { block: { x, y, angle, cx, cy } | null, agent: { x, y } | null, confidence 0..1 }: the block's " +
        "pose (body origin = top centre of the bar, px; angle rad; cx, cy its centre of gravity) and the pusher's " +
        "centre, read from the observation's pixels or a 96 px camera frame (about 2 px, 1° at 96 px)",
      goal: "goal() → { x, y, angle, cx, cy }: the target pose (256, 256, π/4), same convention as perceive's block",
      moveTo:
        "moveTo(x, y, { maxStepPx = 25 }?) → { action: [x, y], arrived, distance, phase }: the next pusher target " +
        "toward (x, y) px, at most maxStepPx from the pusher; arrived within 4 px",
      approach:
        "approach(x, y, [nx, ny], { standoffPx = 40, maxStepPx, block? }?) → { action, arrived, distance, phase }: " +
        "takes the pusher's centre to (x, y) from outside the block: round the block if it is in the way, to the " +
        "stand-off point (x, y) + standoffPx·n on the outward unit normal n, then in along −n",
      pushAlong:
        "pushAlong(dx, dy, { depthPx = 30, offsetPx = 0, maxStepPx, block? }?) → { action, arrived, distance, phase }: " +
        "pushes the block along (dx, dy): approaches the surface behind the line through its centre of gravity " +
        "(shifted offsetPx to the side (−dy, dx)/|d|; a positive offset turns the block so its angle decreases), then " +
        "pushes depthPx past contact (phase 'push'); call it every step",
      retreat:
        "retreat({ distancePx = 50, maxStepPx, block? }?) → { action, arrived, distance, phase }: moves the pusher " +
        "straight away from the block's centre until its rim is distancePx from the block (arrived within 4 px); distance = px still to go",
    },
    functions,
  };
}

/** A block pose with its centre of gravity. */
function blockPose(p: PoseInput): BlockPose {
  const [gx, gy] = T_CENTER_OF_GRAVITY;
  const [cx, cy] = toWorld(p, gx, gy);
  return { x: p.x, y: p.y, angle: p.angle, cx, cy };
}

function toWorld(p: PoseInput, bx: number, by: number): Vec {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  return [p.x + c * bx - s * by, p.y + s * bx + c * by];
}

function toBody(p: PoseInput, wx: number, wy: number): Vec {
  const c = Math.cos(p.angle);
  const s = Math.sin(p.angle);
  const dx = wx - p.x;
  const dy = wy - p.y;
  return [c * dx + s * dy, -s * dx + c * dy];
}

/** The T's two rectangles in body coordinates: [minX, minY, maxX, maxY]. */
const T_RECTS = [T_BAR, T_STEM].map((r) => [r[0][0], r[0][1], r[2][0], r[2][1]] as const);

/** Distance from a world point to the T's outline from outside (0 inside). */
function outlineDistance(w: Vec, block: PoseInput): number {
  const [bx, by] = toBody(block, w[0], w[1]);
  let best = Number.POSITIVE_INFINITY;
  for (const [x0, y0, x1, y1] of T_RECTS) {
    const dx = Math.max(x0 - bx, 0, bx - x1);
    const dy = Math.max(y0 - by, 0, by - y1);
    best = Math.min(best, Math.hypot(dx, dy));
  }
  return best;
}

/** Whether a straight move from a to b brings a point within `grow` px of the block (sampled every 2 px). */
function segmentHitsBlock(a: Vec, b: Vec, block: PoseInput, grow: number): boolean {
  const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 2));
  for (let i = 1; i <= n; i++) {
    const t = i / n;
    if (outlineDistance([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], block) < grow) return true;
  }
  return false;
}

/** Where the line through `through` along u last leaves the T going backwards (−u): the surface a push along u meets. */
function backSurface(through: Vec, u: Vec, block: PoseInput): Vec | null {
  let found: number | null = null;
  for (let t = -200; t <= 200; t += 0.5) {
    const w: Vec = [through[0] - u[0] * t, through[1] - u[1] * t];
    if (outlineDistance(w, block) === 0) found = t;
  }
  return found === null ? null : [through[0] - u[0] * found, through[1] - u[1] * found];
}

/** A copy of the frame with pure red pixels (the target cross) painted `rgb`. */
function recolourRed(frame: Uint8Array, rgb: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(frame);
  for (let i = 0; i < out.length; i += 3) {
    if (out[i] === 255 && out[i + 1] === 0 && out[i + 2] === 0) {
      out[i] = rgb[0];
      out[i + 1] = rgb[1];
      out[i + 2] = rgb[2];
    }
  }
  return out;
}

function clampArena(v: number): number {
  const m = PUSHT_SKILL_DEFAULTS.margin;
  return Math.min(ARENA_SIZE - m, Math.max(m, v));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function num(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new Error(`${name} must be a finite number, got ${String(v)}`);
  return v;
}

function positive(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const x = num(v, name);
  if (x <= 0) throw new Error(`${name} must be above 0, got ${x}`);
  return x;
}

function nonNegative(v: unknown, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  const x = num(v, name);
  if (x < 0) throw new Error(`${name} must be 0 or more, got ${x}`);
  return x;
}

function unit(v: unknown, name: string): Vec {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`${name} must be two numbers`);
  const a = v as ArrayLike<unknown>;
  const x = num(a[0], `${name}[0]`);
  const y = num(a[1], `${name}[1]`);
  const len = Math.hypot(x, y);
  if (len < 1e-9) throw new Error(`${name} must not be zero`);
  return [x / len, y / len];
}

function checkedPose(p: unknown): PoseInput {
  if (!isRecord(p)) throw new Error("block must be { x, y, angle }");
  return { x: num(p.x, "block.x"), y: num(p.y, "block.y"), angle: num(p.angle, "block.angle") };
}
