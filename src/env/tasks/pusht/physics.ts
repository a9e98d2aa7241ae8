/**
 * Push-T physics on planck.js (Box2D), arranged to behave like the reference's Chipmunk space.
 *
 * The reference (pymunk 6 / Chipmunk 7) has a kinematic disc driven by a PD controller, a T block with no
 * momentum (space damping 0 zeroes its velocity every substep, so it moves only through contact impulses), zero
 * friction and restitution, and walls the disc passes through. Two things differ between the engines and are
 * handled here:
 *
 * 1. Order within a substep. Chipmunk integrates positions with the velocities solved in the previous substep,
 *    then finds contacts and solves velocities; Box2D finds contacts, solves velocities, then integrates. Both are
 *    the same cycle cut at a different place, so planck's state after its substep j is Chipmunk's state after
 *    the position integration of substep j + 1. Chipmunk's observation (taken after its substep) therefore equals
 *    planck's state one substep *earlier*: each action runs the planck substep left pending by the previous
 *    action, then the first 9 of its own, and leaves its 10th pending. The block observed after a step has not
 *    yet moved by the last solved velocity, as in the reference.
 * 2. The disc. Its trajectory is computed here in float64 exactly as the reference computes it
 *    (v += (KP (target - p) + KV (0 - v)) dt, then p += v dt) and written into the kinematic planck body before
 *    each planck substep, so contacts see the disc already at its new position, as Chipmunk's do.
 *
 * Units: the world is simulated in px / WORLD_SCALE (see below), with every planck tolerance set explicitly.
 */

import type { Body } from "planck";
import { CircleShape, EdgeShape, PolygonShape, Settings, Vec2, World } from "planck";
import {
  AGENT_RADIUS,
  AGENT_START,
  KP,
  KV,
  SUBSTEP_DT,
  SUBSTEPS,
  T_CENTER_OF_GRAVITY,
  T_MASS,
  T_MOMENT,
  T_PARTS,
  WALL_RADIUS,
  WALLS,
} from "./geometry.js";

/** A full Push-T state: [agentX, agentY, blockX, blockY, blockAngle] in px and rad (block origin, not CoG). */
export type PushTState = readonly [number, number, number, number, number];

// Simulate in px / 100: Box2D's tolerances are tuned for bodies of 0.1–10 units, and the T is 120 px wide.
const WORLD_SCALE = 100;
const INV_SCALE = 1 / WORLD_SCALE;

/** Chipmunk's defaults in the reference space, in px (collision slop) and per step (bias). */
const CHIPMUNK_SLOP_PX = 0.1;
const CHIPMUNK_BIAS_COEF = 1 - ((1 - 0.1) ** 60) ** SUBSTEP_DT; // 1 − collision_bias^dt ≈ 0.0612 per substep
const VELOCITY_ITERATIONS = 10; // Chipmunk space.iterations
const POSITION_ITERATIONS = 1; // one Baumgarte-like correction per substep, as Chipmunk's bias velocities

/** The solver configuration, for the task spec's evaluation constants (physics.ts is fingerprinted anyway). */
export const PHYSICS_SOLVER = Object.freeze({
  unitsPerPx: INV_SCALE,
  velocityIterations: VELOCITY_ITERATIONS,
  positionIterations: POSITION_ITERATIONS,
  slopPx: CHIPMUNK_SLOP_PX,
  baumgarte: CHIPMUNK_BIAS_COEF,
  warmStarting: true,
  blockSolve: false,
});

/**
 * planck's tolerances are process-wide statics. Ours are written before every action (a handful of assignments),
 * so other planck users in the process cannot change Push-T's physics, nor Push-T theirs between its steps.
 */
function applySettings(): void {
  Settings.lengthUnitsPerMeter = 1;
  Settings.linearSlop = CHIPMUNK_SLOP_PX * INV_SCALE;
  Settings.baumgarte = CHIPMUNK_BIAS_COEF;
  Settings.maxLinearCorrection = 1e9; // Chipmunk does not cap its bias velocity
  Settings.maxTranslation = 1e9; // the block may follow a fast disc; Box2D's 2 units / substep cap is Box2D's own
  Settings.aabbExtension = 10 * INV_SCALE; // fat AABBs of 10 px: the disc moves < 10 px per substep in practice
}

/** Chipmunk treats the block's moment as the inertia about its centre of gravity; planck wants it about the origin. */
const COG_X = T_CENTER_OF_GRAVITY[0];
const COG_Y = T_CENTER_OF_GRAVITY[1];
const PLANCK_MOMENT = (T_MOMENT + T_MASS * (COG_X * COG_X + COG_Y * COG_Y)) * INV_SCALE * INV_SCALE;

/** The disc cannot touch the block while its centre is farther than this from both parts (0.5 px to spare). */
const NO_CONTACT_DISTANCE_SQ = (AGENT_RADIUS + 0.5) ** 2;

/**
 * The Push-T scene: one kinematic disc, one T block, four walls. `reset` places everything as the reference's
 * legacy `_set_state` does; `step` runs one action (10 substeps of 0.01 s). Reads are cheap and allocation-free.
 */
export class PushTPhysics {
  /** Disc position and velocity (px, px/s), float64, exactly as the reference's PD integration gives them. */
  agentX = AGENT_START[0];
  agentY = AGENT_START[1];
  agentVX = 0;
  agentVY = 0;

  private world!: World;
  private block!: Body;
  private agent!: Body;
  private readonly scratch = new Vec2(0, 0);
  // True when the last planck substep found no touching contact on the block: it then did not move, and a
  // substep in which the disc cannot reach it would change nothing, so it is skipped (exactly equivalent).
  private blockIdle = false;
  // The disc state for the planck substep left pending by the last step (see the header, point 1).
  private pendingX = AGENT_START[0];
  private pendingY = AGENT_START[1];
  private pendingVX = 0;
  private pendingVY = 0;

  constructor(state?: PushTState) {
    this.reset(state ?? [AGENT_START[0], AGENT_START[1], 256, 300, 0]);
  }

  /**
   * Rebuilds the scene and sets the state in the reference's legacy order: disc position, then block position
   * (with angle 0), then block angle, which rotates about the centre of gravity, so the block origin ends up at
   * pos + cog − R(θ)·cog. Velocities are zero. The reference then takes one physics substep whose contact
   * response shows only in the next step; here that substep is the pending one.
   */
  reset(state: PushTState): void {
    applySettings();
    this.build();
    this.blockIdle = false;
    const [ax, ay, bx, by, angle] = state;
    // Chipmunk: body.position = p sets the CoG to R(0)·cog + p; body.angle = θ keeps the CoG and turns about it.
    const cogX = bx + COG_X;
    const cogY = by + COG_Y;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const originX = cogX - (COG_X * c - COG_Y * s);
    const originY = cogY - (COG_X * s + COG_Y * c);
    this.block.setTransform(this.vec(originX * INV_SCALE, originY * INV_SCALE), angle);
    this.block.setLinearVelocity(this.vec(0, 0));
    this.block.setAngularVelocity(0);
    this.agentX = ax;
    this.agentY = ay;
    this.agentVX = 0;
    this.agentVY = 0;
    this.pendingX = ax;
    this.pendingY = ay;
    this.pendingVX = 0;
    this.pendingVY = 0;
    this.placeAgent(ax, ay, 0, 0);
  }

  /** One action: the disc tracks the absolute target (px) for 10 substeps of 0.01 s. */
  step(targetX: number, targetY: number): void {
    applySettings();
    this.substep(this.pendingX, this.pendingY, this.pendingVX, this.pendingVY);
    let px = this.agentX;
    let py = this.agentY;
    let vx = this.agentVX;
    let vy = this.agentVY;
    for (let i = 0; i < SUBSTEPS; i++) {
      const accX = KP * (targetX - px) + KV * (0 - vx);
      const accY = KP * (targetY - py) + KV * (0 - vy);
      vx += accX * SUBSTEP_DT;
      vy += accY * SUBSTEP_DT;
      px += vx * SUBSTEP_DT;
      py += vy * SUBSTEP_DT;
      if (i < SUBSTEPS - 1) this.substep(px, py, vx, vy);
    }
    this.agentX = px;
    this.agentY = py;
    this.agentVX = vx;
    this.agentVY = vy;
    this.pendingX = px;
    this.pendingY = py;
    this.pendingVX = vx;
    this.pendingVY = vy;
  }

  /** Block origin x in px (top-centre of the bar). */
  get blockX(): number {
    return this.block.getPosition().x * WORLD_SCALE;
  }

  /** Block origin y in px. */
  get blockY(): number {
    return this.block.getPosition().y * WORLD_SCALE;
  }

  /** Block angle in rad, unwrapped (the observation wraps it to [0, 2π)). */
  get blockAngle(): number {
    return this.block.getAngle();
  }

  /** The state [agentX, agentY, blockX, blockY, blockAngle mod 2π]. */
  state(): [number, number, number, number, number] {
    return [this.agentX, this.agentY, this.blockX, this.blockY, wrapAngle(this.blockAngle)];
  }

  private substep(ax: number, ay: number, vx: number, vy: number): void {
    if (this.blockIdle && this.agentClearOfBlock(ax, ay)) return;
    this.placeAgent(ax, ay, vx, vy);
    // No momentum: Chipmunk's damping 0 zeroes the block's velocity before every impulse solve.
    this.block.setLinearVelocity(this.vec(0, 0));
    this.block.setAngularVelocity(0);
    this.world.step(SUBSTEP_DT, VELOCITY_ITERATIONS, POSITION_ITERATIONS);
    this.blockIdle = !this.hasTouchingContact();
  }

  /** Whether a disc centred at (x, y) px is clear of both parts of the T (then they cannot touch). */
  private agentClearOfBlock(x: number, y: number): boolean {
    const xf = this.block.getTransform();
    const dx = x - xf.p.x * WORLD_SCALE;
    const dy = y - xf.p.y * WORLD_SCALE;
    const lx = xf.q.c * dx + xf.q.s * dy; // the disc centre in the block's frame
    const ly = -xf.q.s * dx + xf.q.c * dy;
    return (
      distanceSqToBox(lx, ly, BAR_BOX) > NO_CONTACT_DISTANCE_SQ &&
      distanceSqToBox(lx, ly, STEM_BOX) > NO_CONTACT_DISTANCE_SQ
    );
  }

  private hasTouchingContact(): boolean {
    for (let edge = this.block.getContactList(); edge; edge = edge.next) {
      if (edge.contact.isTouching()) return true;
    }
    return false;
  }

  private placeAgent(x: number, y: number, vx: number, vy: number): void {
    this.agent.setTransform(this.vec(x * INV_SCALE, y * INV_SCALE), 0);
    this.agent.setLinearVelocity(this.vec(vx * INV_SCALE, vy * INV_SCALE));
    // A disc that moved into a new broad-phase cell must meet the block in this substep, not the next one.
    (this.world as unknown as { m_newFixture: boolean }).m_newFixture = true;
  }

  private vec(x: number, y: number): Vec2 {
    this.scratch.x = x;
    this.scratch.y = y;
    return this.scratch;
  }

  private build(): void {
    const world = new World({
      gravity: new Vec2(0, 0),
      allowSleep: false,
      continuousPhysics: false, // Chipmunk has no time-of-impact sub-stepping
      blockSolve: false, // Chipmunk solves contact points one after the other
      warmStarting: true, // Chipmunk applies the cached impulses of persisting contacts
    });
    const walls = world.createBody({ type: "static" });
    for (const [a, b] of WALLS) {
      const edge = new EdgeShape(
        new Vec2(a[0] * INV_SCALE, a[1] * INV_SCALE),
        new Vec2(b[0] * INV_SCALE, b[1] * INV_SCALE),
      );
      edge.m_radius = WALL_RADIUS * INV_SCALE; // Chipmunk segments are capsules of radius 2 px
      walls.createFixture({ shape: edge, friction: 0, restitution: 0 });
    }
    // created where the reference creates it, (256, 300) px; reset() then places it
    const block = world.createBody({ type: "dynamic", position: new Vec2(256 * INV_SCALE, 300 * INV_SCALE) });
    for (const part of T_PARTS) {
      const poly = new PolygonShape(part.map(([x, y]) => new Vec2(x * INV_SCALE, y * INV_SCALE)));
      poly.m_radius = 0; // Chipmunk polygons have no skin: contacts only where the shapes overlap
      block.createFixture({ shape: poly, density: 0, friction: 0, restitution: 0 });
    }
    block.setMassData({
      mass: T_MASS,
      center: new Vec2(COG_X * INV_SCALE, COG_Y * INV_SCALE),
      I: PLANCK_MOMENT,
    });
    const agent = world.createBody({
      type: "kinematic",
      position: new Vec2(AGENT_START[0] * INV_SCALE, AGENT_START[1] * INV_SCALE),
    });
    agent.createFixture({
      shape: new CircleShape(new Vec2(0, 0), AGENT_RADIUS * INV_SCALE),
      friction: 0,
      restitution: 0,
    });
    this.world = world;
    this.block = block;
    this.agent = agent;
  }
}

type Box = readonly [minX: number, minY: number, maxX: number, maxY: number];
const boxOf = (part: readonly (readonly [number, number])[]): Box => [
  Math.min(...part.map((p) => p[0])),
  Math.min(...part.map((p) => p[1])),
  Math.max(...part.map((p) => p[0])),
  Math.max(...part.map((p) => p[1])),
];
const BAR_BOX = boxOf(T_PARTS[0]);
const STEM_BOX = boxOf(T_PARTS[1]);

function distanceSqToBox(x: number, y: number, box: Box): number {
  const ex = x < box[0] ? box[0] - x : x > box[2] ? x - box[2] : 0;
  const ey = y < box[1] ? box[1] - y : y > box[3] ? y - box[3] : 0;
  return ex * ex + ey * ey;
}

/** An angle wrapped to [0, 2π) as Python's `angle % (2 * np.pi)` does it. */
export function wrapAngle(angle: number): number {
  const twoPi = 2 * Math.PI;
  const m = angle % twoPi;
  if (m < 0) return m + twoPi;
  return m === 0 ? 0 : m; // +0, as Python gives
}
