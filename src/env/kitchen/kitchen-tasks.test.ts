/**
 * The eight kitchen tasks through the registry: the paper's evaluation triplets for seeds below 40, RoboCasa's
 * predicate judging the scene at the end, and each predicate turning true when the scene is put (by hand, here in
 * the test) in the state it asks for: a door opened, the knob turned off, the mug under the spout, ...
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env } from "../../core/env.js";
import type { MjScene } from "../mujoco/scene.js";
import { evalFingerprint, listTasks, makeEnv, prepareTask } from "../registry.js";
import { evalTriplet } from "./eval-list.js";
import { KITCHEN_TASK_IDS, type KitchenTask, tripletForSeed } from "./kitchen-tasks.js";

const ZERO = new Array(12).fill(0);

/** The task's env with its scene, for the test to put objects and joints where a success would leave them. */
function open(id: string): KitchenTask {
  return makeEnv(id) as unknown as KitchenTask;
}
const sceneOf = (env: KitchenTask) => (env as unknown as { scene: MjScene }).scene;

function setJoint(s: MjScene, name: string, q: number) {
  s.qposView()[s.qposAdr(name)] = q;
  s.forward();
}

/** Puts a free body at a position (upright, at rest). */
function place(s: MjScene, body: string, pos: readonly number[]) {
  const joint = `${body}_joint`;
  s.qposView().set([pos[0], pos[1], pos[2], 1, 0, 0, 0], s.qposAdr(joint));
  s.qvelView().fill(0, s.dofAdr(joint), s.dofAdr(joint) + 6);
  s.forward();
}

test("the registry lists the eight kitchen tasks; seeds below 40 are the paper's triplets, others draw their own", async () => {
  assert.deepEqual(
    listTasks()
      .map((t) => t.id)
      .filter((id) => id.startsWith("kitchen-")),
    [...KITCHEN_TASK_IDS],
  );
  assert.equal(KITCHEN_TASK_IDS.length, 8);
  assert.deepEqual(tripletForSeed(0), evalTriplet(0));
  assert.deepEqual(tripletForSeed(0), { seed: 478163327, layoutId: 36, styleId: 15 });
  const drawn = tripletForSeed(123456);
  assert.deepEqual(drawn, tripletForSeed(123456));
  assert.ok(drawn.layoutId >= 1 && drawn.layoutId <= 60 && drawn.styleId >= 1 && drawn.styleId <= 60);
  await prepareTask("kitchen-open-drawer");
});

test("every task starts unsolved, says why with its numbers, and records the triplet it ran", async () => {
  await prepareTask("kitchen-open-drawer");
  for (const id of KITCHEN_TASK_IDS) {
    const env = makeEnv(id) as Env<number[], number[]>;
    try {
      env.reset({ seed: 1 });
      for (let t = 0; t < 3; t++) env.step(ZERO);
      const v = env.verify();
      assert.equal(v.success, false, `${id}: ${v.reason}`);
      assert.match(v.reason ?? "", /\d/, `${id} says its numbers`);
      assert.equal(v.metrics.layoutId, evalTriplet(1).layoutId);
      assert.equal(v.metrics.firstHeldStep, -1);
    } finally {
      env.close();
    }
  }
});

test("opening and turning tasks succeed once their joints are where RoboCasa's predicates want them", async () => {
  await prepareTask("kitchen-open-drawer");
  const cases: [string, (env: KitchenTask, s: MjScene) => void][] = [
    [
      "kitchen-open-cabinet",
      (env, s) => {
        const cab = env.episodeKitchen.fixtures.find((f) => f.name === env.episodeKitchen.roles.cabinet);
        for (const j of cab?.joints ?? []) setJoint(s, j, 1.5);
      },
    ],
    [
      "kitchen-open-drawer",
      (env, s) => {
        const d = env.episodeKitchen.fixtures.find((f) => f.name === env.episodeKitchen.roles.drawer);
        const j = d?.joints[0] ?? "";
        const range = s.model.jnt_range as Float64Array;
        setJoint(s, j, range[2 * s.id("joint", j) + 1]);
      },
    ],
    ["kitchen-open-stand-mixer-head", (env, s) => setJoint(s, `${env.episodeKitchen.roles.standMixer}_head`, 1)],
    ["kitchen-turn-on-sink-faucet", (env, s) => setJoint(s, `${env.episodeKitchen.roles.sink}_handle`, 1.2)],
    [
      "kitchen-turn-off-stove",
      (env, s) => {
        const knob = String(env.verify().metrics["reset.knob"]);
        setJoint(s, knob, 0);
      },
    ],
  ];
  for (const [id, solve] of cases) {
    const env = open(id);
    try {
      env.reset({ seed: 2 });
      assert.equal(env.verify().success, false, id);
      solve(env, sceneOf(env));
      const v = env.verify();
      assert.equal(v.success, true, `${id}: ${v.reason}`);
    } finally {
      env.close();
    }
  }
});

test("the mug under the spout, the object in the cabinet and on the tray count, with the gripper away", async () => {
  await prepareTask("kitchen-open-drawer");
  {
    const env = open("kitchen-coffee-setup-mug");
    try {
      env.reset({ seed: 3 });
      const s = sceneOf(env);
      const k = env.episodeKitchen;
      const site = s.sitePos(`${k.roles.coffeeMachine}_receptacle_place_site`);
      place(s, k.roles.mug, [site[0], site[1], site[2] + 0.002]);
      s.step(100);
      const v = env.verify();
      assert.equal(v.success, true, v.reason ?? "");
    } finally {
      env.close();
    }
  }
  {
    const env = open("kitchen-pnp-sink-to-counter");
    try {
      env.reset({ seed: 3 });
      const s = sceneOf(env);
      const k = env.episodeKitchen;
      const tray = s.bodyPos(k.roles.container);
      place(s, k.roles.sinkObject, [tray[0], tray[1], tray[2] + 0.06]);
      s.step(250);
      const v = env.verify();
      assert.equal(v.success, true, v.reason ?? "");
    } finally {
      env.close();
    }
  }
});

test("the robot starts clear of every counter, also at an L's corner (it once started inside one)", async () => {
  await prepareTask("kitchen-coffee-setup-mug");
  const env = makeEnv("kitchen-coffee-setup-mug") as unknown as KitchenTask;
  try {
    // coffee machines next to an L's corner: approached from the main run (12, 115) and from the side run (110)
    for (const seed of [12, 110, 115, 100002]) {
      env.reset({ seed });
      assert.equal(env.episodeKitchen.layout.shape, "L", `seed ${seed} is an L`);
      for (let i = 0; i < 3; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]); // base mode, standing still
      const touching = env
        .robotState()
        .contactForces.filter((c) => /mobile_base|torso/.test(c.bodies[0]) && c.normal > 1);
      assert.deepEqual(
        touching.map((c) => `${c.pair} ${c.normal.toFixed(0)} N`),
        [],
        `seed ${seed}: the base touches a counter`,
      );
    }
  } finally {
    env.close();
  }
});

test("each kitchen task has its own evaluation fingerprint (the eight share their sources)", () => {
  const prints = KITCHEN_TASK_IDS.map((id) => evalFingerprint(id));
  assert.equal(new Set(prints).size, KITCHEN_TASK_IDS.length, prints.join(" "));
});
