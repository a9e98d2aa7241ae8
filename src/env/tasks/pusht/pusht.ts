/**
 * Push-T v1: push the T block onto the target pose with a round pusher (gym-pusht 0.1.5 / Diffusion Policy
 * PushTEnv(legacy=True), reproduced).
 * Observation  obsType "state" (default): [agentX, agentY, blockX, blockY, blockAngle], px 0..512 (y down),
 *              angle rad 0..2π; the block pose is its origin (top-centre of the bar), not its centre of gravity.
 *              "keypoints": the T's 8 corners (bar then stem) as 16 px numbers, then agentX, agentY.
 *              "pixels": 96×96 RGB uint8, row-major; "pixels_agent_pos": { pixels, agent_pos: [x, y] }.
 * Action       absolute pusher target [x, y] in px 0..512, tracked by a PD controller (kp 100, kv 20) for
 *              10 substeps of 0.01 s, so 10 Hz control. Nothing here clips it: that is the clip-action wrapper.
 * Success      block/goal coverage > 0.95 (verify.ts), goal pose (256, 256, π/4); reward = coverage / 0.95
 *              clipped to [0, 1]; terminated = success; truncated is always false (the horizon, 300 steps, is
 *              the time-limit wrapper's).
 * Reset        from the seed only, with numpy's legacy RandomState(seed): agent x, y 50..449 px, block x, y
 *              100..399 px, angle randn()·2π − π (Gaussian), set in the reference's legacy order (see physics.ts).
 * History      v1: first port, matching the reference's resets, coverage and keypoints exactly and its physics
 *              closely (planck.js in place of Chipmunk; see README.md for the measured fidelity).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Env, StepResult, TaskSpec, Verification } from "../../../core/env.js";
import { InvalidInputError } from "../../../core/errors.js";
import { canonicalJson, sha256 } from "../../../core/hash.js";
import { RandomState } from "../../../core/rng.js";
import type { BoxSpace, Space } from "../../../core/space.js";
import { blockCoverage, coverageReward } from "./coverage.js";
import {
  AGENT_RADIUS,
  ARENA_SIZE,
  GOAL_POSE,
  KP,
  KV,
  MAX_STEPS,
  SUBSTEP_DT,
  SUBSTEPS,
  SUCCESS_COVERAGE,
  T_CENTER_OF_GRAVITY,
  T_MASS,
  T_MOMENT,
  WALL_RADIUS,
} from "./geometry.js";
import { keypointObservation } from "./keypoints.js";
import { PHYSICS_SOLVER, PushTPhysics, type PushTState } from "./physics.js";
import { type PushTScene, renderPushT } from "./render.js";
import { verifyCoverage } from "./verify.js";

/** The observation kinds Push-T offers. */
export type PushTObsType = "state" | "keypoints" | "pixels" | "pixels_agent_pos";
export const PUSHT_OBS_TYPES: readonly PushTObsType[] = ["state", "keypoints", "pixels", "pixels_agent_pos"];

/** Observation per kind: numbers in px and rad, pixels as 96×96×3 RGB bytes. */
export interface PushTObsMap {
  state: number[];
  keypoints: number[];
  pixels: Uint8Array;
  pixels_agent_pos: { pixels: Uint8Array; agent_pos: number[] };
}
export type PushTObs<K extends PushTObsType = PushTObsType> = PushTObsMap[K];

export interface PushTOptions<K extends PushTObsType = PushTObsType> {
  obsType?: K; // default "state"
}

/** Side of the pixel observation, as the reference's observation_width/height. */
export const PIXEL_OBS_SIZE = 96;

const STATE_SPACE: BoxSpace = {
  kind: "box",
  shape: [5],
  low: 0,
  high: ARENA_SIZE,
  dtype: "float64",
  names: ["agentX px", "agentY px", "blockX px", "blockY px", "blockAngle rad (0..2π)"],
};
const KEYPOINT_NAMES = ["bar (-60,0)", "bar (60,0)", "bar (60,30)", "bar (-60,30)"]
  .concat(["stem (-15,30)", "stem (15,30)", "stem (15,120)", "stem (-15,120)"])
  .flatMap((corner) => [`${corner} x px`, `${corner} y px`])
  .concat(["agentX px", "agentY px"]);
const PIXELS_SPACE: BoxSpace = {
  kind: "box",
  shape: [PIXEL_OBS_SIZE, PIXEL_OBS_SIZE, 3],
  low: 0,
  high: 255,
  dtype: "uint8",
};
const OBSERVATION_SPACES: Record<PushTObsType, Space> = deepFreeze({
  state: STATE_SPACE,
  keypoints: { kind: "box", shape: [18], low: 0, high: ARENA_SIZE, dtype: "float64", names: KEYPOINT_NAMES },
  pixels: PIXELS_SPACE,
  pixels_agent_pos: {
    kind: "dict",
    spaces: {
      pixels: PIXELS_SPACE,
      agent_pos: {
        kind: "box",
        shape: [2],
        low: 0,
        high: ARENA_SIZE,
        dtype: "float64",
        names: ["agentX px", "agentY px"],
      },
    },
  },
});

/**
 * Push-T v1 with the state observation. Instances with another obsType differ only in observationSpace. Frozen:
 * the evaluation side is read, never changed.
 */
export const PUSHT_SPEC: TaskSpec = deepFreeze({
  id: "pusht",
  version: 1,
  description:
    "Push the T block onto the green target pose with a round pusher. Success: coverage of the target > 0.95. " +
    "Reproduces gym-pusht 0.1.5 / Diffusion Policy PushTEnv(legacy=True).",
  observationSpace: STATE_SPACE,
  actionSpace: {
    kind: "box",
    shape: [2],
    low: 0,
    high: ARENA_SIZE,
    dtype: "float64",
    names: ["targetX px", "targetY px"],
  },
  maxSteps: MAX_STEPS,
  controlHz: 10, // SUBSTEPS × SUBSTEP_DT = 0.1 s per action
  evaluation: {
    reference: "gym-pusht 0.1.5 == diffusion_policy PushTEnv(legacy=True), pymunk 6.8",
    goalPose: [...GOAL_POSE], // block origin x, y px and angle rad
    successCoverage: SUCCESS_COVERAGE, // success and termination: coverage strictly above this
    reward: "clip(coverage / 0.95, 0, 1)",
    horizon: MAX_STEPS,
    reset: {
      sampler: "numpy legacy RandomState(seed), seed in 0..2^32-1",
      draws: "agentX, agentY = randint(50, 450); blockX, blockY = randint(100, 400); angle = randn()*2π − π",
      setOrder: "agent position; block position at angle 0; block angle about the CoG; one 0.01 s substep",
    },
    physics: {
      engine: "planck.js (Box2D) stepped as Chipmunk 7: momentum-free block, Chipmunk's substep order, slop and bias",
      solver: { ...PHYSICS_SOLVER },
      substeps: SUBSTEPS,
      substepDt: SUBSTEP_DT,
      kp: KP,
      kv: KV,
      agentRadius: AGENT_RADIUS,
      blockMass: T_MASS,
      blockMomentAboutCog: T_MOMENT,
      blockCenterOfGravity: [...T_CENTER_OF_GRAVITY],
      friction: 0,
      restitution: 0,
      damping: 0,
      wallRadius: WALL_RADIUS,
    },
    // research projects (evolve) tune on search seeds and judge a goal on the held-out seeds only
    seeds: {
      heldOut: { start: 100000, count: 50, note: "Diffusion Policy's test seeds 100000..100049" },
      search: { start: 0, end: 99999 },
    },
  },
});

/**
 * The Push-T environment. `reset({ seed })` draws the initial state as the reference does; `step([x, y])` moves
 * the pusher target; `verify()` judges coverage. One instance runs one episode at a time on one thread.
 * @example
 * const env = new PushT();
 * env.reset({ seed: 0 }); // [222, 97, 222.99…, 381.59…, 3.0079…]
 * const { reward, terminated } = env.step([256, 256]);
 */
export class PushT<K extends PushTObsType = "state"> implements Env<PushTObs<K>, readonly number[]> {
  readonly spec: TaskSpec;
  readonly name = `${PUSHT_SPEC.id}@${PUSHT_SPEC.version}`;
  readonly obsType: K;

  private readonly physics = new PushTPhysics();
  private started = false;
  private lastAction: [number, number] | null = null;
  // coverage of the block pose it was computed for; the block often rests, and coverage is the costly part
  private coverage = 0;
  private coveredX = Number.NaN;
  private coveredY = Number.NaN;
  private coveredAngle = Number.NaN;

  constructor(options: PushTOptions<K> = {}) {
    const obsType = (options.obsType ?? "state") as K;
    if (!PUSHT_OBS_TYPES.includes(obsType)) {
      throw new InvalidInputError(
        `unknown Push-T observation type "${String(obsType)}"; choose one of ${PUSHT_OBS_TYPES.join(", ")}`,
      );
    }
    this.obsType = obsType;
    this.spec = Object.freeze({ ...PUSHT_SPEC, observationSpace: OBSERVATION_SPACES[obsType] });
  }

  /** Draws the initial state from numpy's legacy RandomState(seed), as the reference does. */
  reset(opts: { seed: number }): PushTObs<K> {
    const seed = opts?.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new InvalidInputError(`Push-T seed must be an integer in 0..4294967295, got ${String(seed)}`);
    }
    return this.resetToState(sampleResetState(seed));
  }

  /**
   * Sets [agentX, agentY, blockX, blockY, blockAngle] with the reference's `reset_to_state` semantics: the block
   * position is set before the angle, which turns the block about its centre of gravity (0, 45), so the observed
   * block origin differs from the requested one when the angle is not 0.
   * @example new PushT().resetToState([0, 10, 20, 30, 1]) // [0, 10, 57.866…, 50.686…, 1]
   */
  resetToState(state: readonly number[]): PushTObs<K> {
    const arrayLike = Array.isArray(state) || ArrayBuffer.isView(state);
    if (!arrayLike || state.length !== 5 || !Array.from(state).every((v) => Number.isFinite(v))) {
      throw new InvalidInputError(
        `Push-T state must be 5 finite numbers [agentX, agentY, blockX, blockY, blockAngle], got ${JSON.stringify(state)}`,
      );
    }
    this.physics.reset([state[0], state[1], state[2], state[3], state[4]] as PushTState);
    this.started = true;
    this.lastAction = null;
    return this.observe();
  }

  observe(): PushTObs<K> {
    const p = this.physics;
    const obs = this.obsType as PushTObsType;
    if (obs === "state") return this.state() as PushTObs<K>;
    if (obs === "keypoints") {
      return keypointObservation([p.blockX, p.blockY, p.blockAngle], [p.agentX, p.agentY]) as PushTObs<K>;
    }
    const pixels = renderPushT(this.scene(false), PIXEL_OBS_SIZE);
    if (obs === "pixels") return pixels as PushTObs<K>;
    return { pixels, agent_pos: [p.agentX, p.agentY] } as PushTObs<K>;
  }

  /** One action: the pusher target [x, y] in px. Throws InvalidInputError for anything but two finite numbers. */
  step(action: readonly number[]): StepResult<PushTObs<K>> {
    if (!this.started) throw new InvalidInputError("Push-T step() called before reset(); call reset({ seed }) first");
    const x = action?.[0] as number;
    const y = action?.[1] as number;
    if (action?.length !== 2 || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InvalidInputError(
        `Push-T action must be two finite numbers [targetX, targetY] in px, got ${describeAction(action)}`,
      );
    }
    this.physics.step(x, y);
    if (this.lastAction) {
      this.lastAction[0] = x;
      this.lastAction[1] = y;
    } else this.lastAction = [x, y];
    const coverage = this.currentCoverage();
    const success = coverage > SUCCESS_COVERAGE;
    return {
      observation: this.observe(),
      reward: coverageReward(coverage),
      terminated: success,
      truncated: false,
      info: { coverage, isSuccess: success },
    };
  }

  /** The verdict on the current state: success when coverage > 0.95, score = the reward. */
  verify(): Verification {
    if (!this.started) throw new InvalidInputError("Push-T verify() called before reset(); call reset({ seed }) first");
    return verifyCoverage(this.currentCoverage());
  }

  /** The state [agentX, agentY, blockX, blockY, blockAngle mod 2π], whatever the observation type. */
  state(): number[] {
    return this.physics.state();
  }

  /** What a picture shows now, including the last commanded target (null before the first step). */
  scene(withAction = true): PushTScene {
    const p = this.physics;
    return {
      agent: [p.agentX, p.agentY],
      block: [p.blockX, p.blockY, p.blockAngle],
      action: withAction && this.lastAction ? [this.lastAction[0], this.lastAction[1]] : null,
    };
  }

  /** An RGB picture, size × size × 3 bytes, with the last commanded target marked (as the reference's render()). */
  render(size: number): Uint8Array {
    return renderPushT(this.scene(), size);
  }

  close(): void {
    this.started = false;
  }

  private currentCoverage(): number {
    const p = this.physics;
    const x = p.blockX;
    const y = p.blockY;
    const angle = p.blockAngle;
    if (x !== this.coveredX || y !== this.coveredY || angle !== this.coveredAngle) {
      this.coverage = blockCoverage(x, y, angle);
      this.coveredX = x;
      this.coveredY = y;
      this.coveredAngle = angle;
    }
    return this.coverage;
  }
}

/**
 * The reference's legacy reset draw for a seed: [agentX, agentY, blockX, blockY, angle] before it is set.
 * @example sampleResetState(0) // [222, 97, 217, 292, 3.0079…]
 */
export function sampleResetState(seed: number): [number, number, number, number, number] {
  const rs = new RandomState(seed);
  const agentX = rs.randint(50, 450);
  const agentY = rs.randint(50, 450);
  const blockX = rs.randint(100, 400);
  const blockY = rs.randint(100, 400);
  const angle = rs.randn() * 2 * Math.PI - Math.PI;
  return [agentX, agentY, blockX, blockY, angle];
}

const EVALUATION_FILES = ["pusht", "physics", "coverage", "verify", "geometry", "../../../core/rng"] as const;
let fingerprint: string | undefined;

/**
 * sha256 of Push-T's evaluation side: the spec's evaluation constants, the source of the files that decide
 * resets, physics, coverage and the verdict, and the versions of the physics and clipping libraries. A result
 * recorded under another fingerprint was judged by a different task.
 */
export function pushTEvalFingerprint(): string {
  if (fingerprint) return fingerprint;
  // Hash the TypeScript sources whether this runs from src/ (tsx) or from the build in dist/, so both ways of
  // running give one fingerprint.
  const dir = path
    .dirname(fileURLToPath(import.meta.url))
    .replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`);
  const sources = EVALUATION_FILES.map((f) => {
    const file = path.join(dir, `${f}.ts`);
    return `\n--- ${path.basename(file)}\n${readFileSync(file, "utf8")}`;
  });
  const libraries = ["planck", "@countertype/clipper2-ts"].map((name) => `${name}@${packageVersion(name)}`);
  fingerprint = sha256(canonicalJson(PUSHT_SPEC.evaluation), ...sources, `\n--- libraries ${libraries.join(" ")}`);
  return fingerprint;
}

/** The installed version of a dependency, from its package.json next to its resolved entry point. */
function packageVersion(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (dir !== path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    dir = path.dirname(dir);
  }
  return "unknown";
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function describeAction(action: unknown): string {
  if (!Array.isArray(action) && !ArrayBuffer.isView(action)) return action === null ? "null" : typeof action;
  const text = JSON.stringify(Array.from(action as ArrayLike<unknown>));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
