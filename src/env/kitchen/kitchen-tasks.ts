/**
 * The eight kitchen tasks of the paper's RoboCasa study (enpire-paper.md §5.10), rebuilt on our kitchens: one class,
 * KitchenTask, and one definition per task naming the fixture it is about, its reset draws and RoboCasa's success
 * predicate (predicates.ts, task-references.md §4).
 * Episodes   a seed s < 40 runs the paper's fixed evaluation triplet s (eval-list.ts: seed, layout_id, style_id from
 *            random.Random(42)), so `enpire run --task kitchen-… --seed-start 0 --episodes 40` is the paper's
 *            evaluation and smaller evaluations are its prefixes; any other seed draws its own (seed, layout, style)
 *            from RandomState(s). The kitchen (kitchenScene) follows the triplet; the robot starts at the task's
 *            fixture's approach pose (0.6 m in front of it, facing it).
 * Success    judged at the end of execution, as the paper does: verify() applies the task's predicate to the scene
 *            now. Episodes never end early on success; the step when the predicate first held is recorded
 *            (`firstHeldStep`, −1 when it never held).
 * Version    1: first version. 2: a style's handle finish stands apart from its cabinet's colour (the next finish when
 *            the drawn one does not), so a colour segmenter finds handles on their fronts. 3: the Panda hand's 8 cm
 *            gripper opening (the station arms' is 6 cm; the objects are 6-9 cm across), mugs of radius 3.0-3.6 cm
 *            (a body the hand closes round; they were 3.5-4.5), and a plum tray, a colour nothing else in a kitchen
 *            has. 4: in an L, an approach pose near the corner slides along its run until the base is 1 cm clear of
 *            the other run (the robot started up to 9 cm inside a counter there, pressing it at 100-400 N).
 */
import type { TaskSpec, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import type { TaskStepOutcome } from "../mujoco/arm-env.js";
import type { MjScene } from "../mujoco/scene.js";
import { deepFreeze, MUJOCO_PHYSICS, sourceFingerprint } from "../mujoco/task-kit.js";
import { quatYaw } from "../mujoco/tools/rpy.js";
import {
  EVAL_LIST_GENERATOR,
  evalTriplet,
  KITCHEN_EVAL_EPISODES,
  KITCHEN_EVAL_HORIZONS,
  type KitchenTaskId,
  type KitchenTriplet,
} from "./eval-list.js";
import { KITCHEN_CONTROL, KitchenEnv, kitchenActionSpace, kitchenObservationSpace } from "./kitchen-env.js";
import {
  boxCorners,
  coffeeSetupMugSuccess,
  horizontalRadius,
  interiorRegion,
  jointStateDraw,
  KITCHEN_THRESHOLDS,
  openCabinetSuccess,
  openDrawerSuccess,
  openStandMixerHeadSuccess,
  type PredicateResult,
  pnpCounterToCabinetSuccess,
  pnpSinkToCounterSuccess,
  stoveKnobOnDraw,
  turnOffStoveSuccess,
  turnOnSinkFaucetSuccess,
  type Vec3,
} from "./predicates.js";
import { mobileManipulatorMjcf } from "./robot.js";
import { type KitchenRoles, type KitchenScene, kitchenScene } from "./scene.js";

/** What a task's reset and predicate see: the scene, its kitchen and readers of joints, bodies and contacts. */
interface TaskContext {
  scene: MjScene;
  kitchen: KitchenScene;
  /** The fixture (or object) a role names, with its joints, sites and interior. */
  fixture(role: keyof KitchenRoles): KitchenScene["fixtures"][number];
  joint(name: string): { name: string; qpos: number; range: [number, number] };
  setJoint(name: string, qpos: number): void;
  bodyPos(name: string): Vec3;
  /** The body's box in its own frame: the union of its geoms' boxes. */
  bodyBox(name: string): { low: Vec3; high: Vec3 };
  touching(bodyA: string, bodyB: string): boolean;
  eefPos(): Vec3;
}

interface KitchenTaskDef {
  description: string;
  role: keyof KitchenRoles; // the fixture the robot starts in front of
  /** The task's reset draws (the rest of the kitchen keeps its model defaults: doors shut, knobs off). */
  reset?(ctx: TaskContext, u01: () => number): Record<string, number | string>;
  check(ctx: TaskContext, drawn: Record<string, number | string>): PredicateResult;
}

const DEFS: Readonly<Record<KitchenTaskId, KitchenTaskDef>> = {
  "kitchen-open-cabinet": {
    description: "Open the wall cabinet's door(s): every door joint at least 0.90 of its range.",
    role: "cabinet",
    check: (c) => openCabinetSuccess(c.fixture("cabinet").joints.map((j) => c.joint(j))),
  },
  "kitchen-open-drawer": {
    description: "Open the drawer: its travel at least 0.95 of 0.55 × its depth.",
    role: "drawer",
    check: (c) => {
      const j = c.joint(c.fixture("drawer").joints[0]);
      return openDrawerSuccess({
        name: j.name,
        travel: j.qpos,
        depth: j.range[1] / KITCHEN_THRESHOLDS.drawerTravelFraction,
      });
    },
  },
  "kitchen-open-stand-mixer-head": {
    description: "Open the stand mixer's head: its hinge above 0.99 of its range.",
    role: "standMixer",
    check: (c) => openStandMixerHeadSuccess(c.joint(c.fixture("standMixer").joints[0])),
  },
  "kitchen-turn-off-stove": {
    description: "Turn off the burner that is on: its knob's angle outside [0.35, 2π − 0.35] rad.",
    role: "stove",
    reset: (c, u01) => {
      const knobs = c.fixture("stove").joints;
      const knob = knobs[Math.min(knobs.length - 1, Math.floor(u01() * knobs.length))];
      const on = stoveKnobOnDraw(u01, c.joint(knob).range[1]);
      c.setJoint(knob, on);
      return { knob, knobStart: on };
    },
    check: (c, drawn) => {
      const knob = c.joint(String(drawn.knob));
      return turnOffStoveSuccess({ name: knob.name, qpos: knob.qpos });
    },
  },
  "kitchen-turn-on-sink-faucet": {
    description: "Turn on the sink's faucet: the handle's angle in (0.40, π) rad.",
    role: "sink",
    check: (c) => {
      const handle = c.joint(c.fixture("sink").joints[0]);
      return turnOnSinkFaucetSuccess({ name: handle.name, qpos: handle.qpos });
    },
  },
  "kitchen-coffee-setup-mug": {
    description:
      "Put the mug under the coffee machine: within 0.04 m (xy) and 0.10 m (z) of its receptacle site, the gripper " +
      "more than 0.25 m from the mug.",
    role: "coffeeMachine",
    check: (c) => {
      const machine = c.fixture("coffeeMachine");
      const site = Object.values(machine.sites).find((s) => s.endsWith("receptacle_place_site"));
      if (!site) throw new Error(`${machine.name} has no receptacle_place_site`);
      return coffeeSetupMugSuccess({
        mugPos: c.bodyPos(c.fixture("mug").body),
        receptacleSitePos: c.scene.sitePos(site),
        eefPos: c.eefPos(),
      });
    },
  },
  "kitchen-pnp-counter-to-cabinet": {
    description:
      "Pick the object from the counter and place it in the cabinet: all 8 corners of its box inside the cabinet's " +
      "interior (0.05 m tolerance), the gripper more than 0.25 m from it.",
    role: "cabinet",
    reset: (c, u01) => {
      // as RoboCasa's PickPlaceCounterToCabinet: the cabinet's doors start open, each at 0.90-1.0 of its range
      const out: Record<string, number> = {};
      for (const door of c.fixture("cabinet").joints) {
        out[door] = jointStateDraw(u01, c.joint(door).range, 0.9, 1);
        c.setJoint(door, out[door]);
      }
      return out;
    },
    check: (c) => {
      const obj = c.fixture("counterObject").body;
      const cab = c.fixture("cabinet");
      if (!cab.interior) throw new Error(`${cab.name} declares no interior`);
      const yaw = quatYaw(c.scene.bodyQuat(cab.body));
      return pnpCounterToCabinetSuccess({
        objCorners: boxCorners(c.bodyPos(obj), c.scene.bodyQuat(obj), c.bodyBox(obj)),
        objPos: c.bodyPos(obj),
        cabinetRegions: [interiorRegion(cab.interior, { pos: c.bodyPos(cab.body), yaw })],
        eefPos: c.eefPos(),
      });
    },
  },
  "kitchen-pnp-sink-to-counter": {
    description:
      "Pick the object from the sink and place it on the tray on the counter: touching the tray within 0.7 of its " +
      "radius from its centre, the tray on the counter, the gripper more than 0.25 m from the object.",
    role: "sink",
    check: (c) => {
      const obj = c.fixture("sinkObject").body;
      const tray = c.fixture("container").body;
      const counter = c.kitchen.fixtures.find((f) => f.kind === "counter" && f.name.startsWith(c.fixture("sink").name));
      const box = c.bodyBox(tray);
      return pnpSinkToCounterSuccess({
        objPos: c.bodyPos(obj),
        containerPos: c.bodyPos(tray),
        containerHorizontalRadius: horizontalRadius((box.high[0] - box.low[0]) / 2, (box.high[1] - box.low[1]) / 2),
        objTouchesContainer: c.touching(obj, tray),
        containerTouchesCounter: counter ? c.touching(tray, counter.body) : false,
        eefPos: c.eefPos(),
      });
    },
  },
};

export const KITCHEN_TASK_IDS = Object.keys(DEFS).sort() as KitchenTaskId[];
export const KITCHEN_VERSION = 4;

/** The triplet an episode's seed runs: the paper's list for seeds below 40, else one drawn from the seed. */
export function tripletForSeed(seed: number): KitchenTriplet {
  if (seed < KITCHEN_EVAL_EPISODES) return evalTriplet(seed);
  const rs = new RandomState(seed);
  return { seed: rs.randint(0, 2 ** 31), layoutId: rs.randint(1, 61), styleId: rs.randint(1, 61) };
}

function makeSpec(id: KitchenTaskId): TaskSpec {
  const def = DEFS[id];
  return deepFreeze({
    id,
    version: KITCHEN_VERSION,
    description: `${def.description} A mobile manipulator in a kitchen built from primitives (RoboCasa's task, rebuilt).`,
    observationSpace: kitchenObservationSpace(),
    actionSpace: kitchenActionSpace(),
    maxSteps: KITCHEN_EVAL_HORIZONS[id],
    controlHz: KITCHEN_CONTROL.controlHz,
    evaluation: {
      // the task whose predicate judges: the eight share their sources and constants, so without it tasks of one
      // horizon had one fingerprint
      task: id,
      reference: "RoboCasa365 atomic task (robocasa @ be22d659), predicates and horizons of task-references.md §4",
      thresholds: { ...KITCHEN_THRESHOLDS },
      horizon: KITCHEN_EVAL_HORIZONS[id],
      evalList: { ...EVAL_LIST_GENERATOR, episodes: KITCHEN_EVAL_EPISODES },
      seeds: {
        heldOut: { start: 0, count: KITCHEN_EVAL_EPISODES }, // the paper's fixed list
        search: { start: 100000, end: 199999 },
      },
      successJudged: "at the end of execution",
      physics: MUJOCO_PHYSICS,
    },
  });
}

export const KITCHEN_SPECS: Readonly<Record<KitchenTaskId, TaskSpec>> = Object.freeze(
  Object.fromEntries(KITCHEN_TASK_IDS.map((id) => [id, makeSpec(id)])) as Record<KitchenTaskId, TaskSpec>,
);

/** One kitchen task: its kitchen follows each episode's triplet, its verdict is RoboCasa's predicate. */
export class KitchenTask extends KitchenEnv {
  private kitchen: KitchenScene;
  private drawn: Record<string, number | string> = {};
  private steps = 0;
  private firstHeld = -1;
  private readonly def: KitchenTaskDef;

  constructor(readonly taskId: KitchenTaskId) {
    const def = DEFS[taskId];
    if (!def) throw new InvalidInputError(`no kitchen task "${taskId}"; the tasks are ${KITCHEN_TASK_IDS.join(", ")}`);
    const kitchen = kitchenScene(tripletForSeed(0));
    super({ spec: KITCHEN_SPECS[taskId], ...modelOf(kitchen, def) });
    this.def = def;
    this.kitchen = kitchen;
  }

  /** The triplet and kitchen of the episode now. */
  get episodeKitchen(): KitchenScene {
    return this.kitchen;
  }

  protected override modelFor(seed: number): { robotMjcf: string; sceneMjcf: string } {
    this.kitchen = kitchenScene(tripletForSeed(seed));
    return modelOf(this.kitchen, this.def);
  }

  protected resetScene(seed: number): void {
    const rs = new RandomState(seed);
    this.drawn = this.def.reset?.(this.context(), () => rs.randomSample()) ?? {};
    this.scene.forward();
    this.steps = 0;
    this.firstHeld = -1;
  }

  protected afterControlStep(): TaskStepOutcome {
    this.steps++;
    if (this.firstHeld < 0 && this.def.check(this.context(), this.drawn).success) this.firstHeld = this.steps;
    return { reward: this.firstHeld >= 0 ? 1 : 0, terminated: false, info: {} };
  }

  verify(): Verification {
    const r = this.def.check(this.context(), this.drawn);
    const t = this.kitchen.triplet;
    return {
      success: r.success,
      score: r.success ? 1 : 0,
      reason: r.reason,
      metrics: {
        ...r.metrics,
        firstHeldStep: this.firstHeld,
        envSeed: t.seed,
        layoutId: t.layoutId,
        styleId: t.styleId,
        ...Object.fromEntries(Object.entries(this.drawn).map(([k, v]) => [`reset.${k}`, v])),
      },
    };
  }

  private context(): TaskContext {
    const s = this.scene;
    const kitchen = this.kitchen;
    const range = s.model.jnt_range as Float64Array;
    return {
      scene: s,
      kitchen,
      fixture: (role) => {
        const name = kitchen.roles[role];
        const f = kitchen.fixtures.find((x) => x.name === name);
        if (!f) throw new Error(`the kitchen has no ${role} (${name})`);
        return f;
      },
      joint: (name) => {
        const id = s.id("joint", name);
        return { name, qpos: s.qposView()[s.qposAdr(name)], range: [range[2 * id], range[2 * id + 1]] };
      },
      setJoint: (name, qpos) => {
        s.qposView()[s.qposAdr(name)] = qpos;
      },
      bodyPos: (name) => s.bodyPos(name),
      bodyBox: (name) => bodyBox(s, name),
      touching: (a, b) => {
        const ia = s.id("body", a);
        const ib = s.id("body", b);
        return s.normalForceWhere((b1, b2) => (b1 === ia && b2 === ib) || (b1 === ib && b2 === ia)) > 0;
      },
      eefPos: () => this.eeWorldPos() as Vec3,
    };
  }
}

/** The robot at the task's fixture's approach pose, and the kitchen's scene. */
function modelOf(kitchen: KitchenScene, def: KitchenTaskDef): { robotMjcf: string; sceneMjcf: string } {
  const name = kitchen.roles[def.role];
  const approach = kitchen.fixtures.find((f) => f.name === name)?.approach ?? kitchen.robotBase;
  return { robotMjcf: mobileManipulatorMjcf(approach), sceneMjcf: kitchen.mjcf };
}

/** A body's box in its own frame: the union of its geoms' boxes (MuJoCo's geom_aabb, placed by geom_pos/quat). */
function bodyBox(s: MjScene, body: string): { low: Vec3; high: Vec3 } {
  const m = s.model;
  const id = s.id("body", body);
  const bodyOf = m.geom_bodyid as Int32Array;
  const aabb = m.geom_aabb as Float64Array;
  const gpos = m.geom_pos as Float64Array;
  const gquat = m.geom_quat as Float64Array;
  const low = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const high = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let g = 0; g < m.ngeom; g++) {
    if (bodyOf[g] !== id) continue;
    const q = [gquat[4 * g], gquat[4 * g + 1], gquat[4 * g + 2], gquat[4 * g + 3]] as const;
    for (const corner of boxCorners([gpos[3 * g], gpos[3 * g + 1], gpos[3 * g + 2]], q, {
      low: [aabb[6 * g] - aabb[6 * g + 3], aabb[6 * g + 1] - aabb[6 * g + 4], aabb[6 * g + 2] - aabb[6 * g + 5]],
      high: [aabb[6 * g] + aabb[6 * g + 3], aabb[6 * g + 1] + aabb[6 * g + 4], aabb[6 * g + 2] + aabb[6 * g + 5]],
    })) {
      for (let k = 0; k < 3; k++) {
        low[k] = Math.min(low[k], corner[k]);
        high[k] = Math.max(high[k], corner[k]);
      }
    }
  }
  if (!Number.isFinite(low[0])) throw new Error(`body ${body} has no geoms`);
  return { low: low as unknown as Vec3, high: high as unknown as Vec3 };
}

const EVALUATION_FILES = [
  "kitchen/kitchen-tasks",
  "kitchen/predicates",
  "kitchen/eval-list",
  "kitchen/py-random",
  "kitchen/scene",
  "kitchen/fixtures/parts",
  "kitchen/fixtures/style",
  "kitchen/fixtures/counter",
  "kitchen/fixtures/cabinet",
  "kitchen/fixtures/sink",
  "kitchen/fixtures/stove",
  "kitchen/fixtures/appliances",
  "kitchen/fixtures/objects",
  "kitchen/robot",
  "kitchen/kitchen-env",
  "mujoco/robot",
  "mujoco/ik",
  "mujoco/scene",
  "mujoco/mjcf",
  "../core/rng",
] as const;
const fingerprints = new Map<KitchenTaskId, string>();

/** sha256 of a kitchen task's evaluation side: its spec's constants and the sources that build, reset and judge it. */
export function kitchenEvalFingerprint(id: KitchenTaskId): string {
  let f = fingerprints.get(id);
  if (!f) {
    f = sourceFingerprint(KITCHEN_SPECS[id].evaluation, EVALUATION_FILES);
    fingerprints.set(id, f);
  }
  return f;
}
