import assert from "node:assert/strict";
import { test } from "node:test";
import type { ArmEnv, ArmPixelObs } from "./mujoco/arm-env.js";
import { isMujocoLoaded } from "./mujoco/runtime.js";
import { evalFingerprint, isMujocoTask, listTasks, makeEnv, prepareTask, taskSpec } from "./registry.js";
import { safety3dDefaults, withStationSafety } from "./station-defaults.js";
import { GPU_TASK } from "./tasks/gpu-insertion/gpu-insertion.js";
import { PIN_TASK, pinEvalFingerprint } from "./tasks/pin-insertion/pin-insertion.js";
import { CUT_TASK } from "./tasks/zip-tie/zip-tie-cut.js";
import { TIE_TASK } from "./tasks/zip-tie/zip-tie-tie.js";
import { findEStop, wrapperStack } from "./wrappers/index.js";

// the arm stations' tasks (the kitchens' mobile manipulator has its own defaults, tested last)
const ARM_TASKS = listTasks()
  .map((t) => t.id)
  .filter((id) => isMujocoTask(id) && !id.startsWith("kitchen-"));

// first, before anything loads MuJoCo on this thread
test("the pixel spec of every 3D task is known without MuJoCo, and differs from the state spec", () => {
  assert.equal(isMujocoLoaded(), false);
  for (const id of ARM_TASKS) {
    const spec = taskSpec(id, "pixels");
    assert.equal(spec.observationSpace.kind, "dict", id);
    assert.notDeepEqual(spec.observationSpace, taskSpec(id).observationSpace);
    assert.throws(() => taskSpec(id, "rgb"), /choose one of state, pixels/);
  }
  assert.equal(isMujocoLoaded(), false);
});

test("every 3D task declares default safety limits, and they are in its evaluation fingerprint", () => {
  assert.deepEqual(ARM_TASKS.sort(), [
    "gpu-insertion",
    "pin-insertion",
    "pin-insertion-easy",
    "pin-insertion-expert",
    "pusht-arm",
    "zip-tie-cut",
    "zip-tie-tie",
  ]);
  for (const id of ARM_TASKS) {
    const limits = safety3dDefaults(id);
    assert.ok(limits?.workspace && limits.deltaCap && limits.jointLimits && limits.contactForce && limits.gripperForce);
    assert.ok(Object.isFrozen(limits.workspace.box.low), `${id}'s limits are frozen`);
  }
  assert.equal(safety3dDefaults("pusht"), null);
  assert.notEqual(evalFingerprint("pin-insertion"), pinEvalFingerprint("pin-insertion"));
  assert.match(evalFingerprint("pin-insertion"), /^[0-9a-f]{64}$/);
});

test("each default workspace holds the paper's out-of-range box around every start the reset draws", async () => {
  const oor: Record<string, { low: number[]; high: number[] }> = {
    "pin-insertion": PIN_TASK.outOfRange,
    "gpu-insertion": GPU_TASK.outOfRange,
    "zip-tie-cut": CUT_TASK.outOfRange,
    "zip-tie-tie": TIE_TASK.outOfRange,
  };
  for (const id of ["pin-insertion", "gpu-insertion", "zip-tie-cut", "zip-tie-tie", "pusht-arm"]) {
    await prepareTask(id);
    const modes =
      id.startsWith("pin") || id.startsWith("gpu") || id.startsWith("zip-tie") || id === "pusht-arm"
        ? (["state", "procedural"] as const)
        : (["state"] as const);
    for (const reset of modes) {
      const env = makeEnv(id, { reset }) as unknown as ArmEnv;
      const box = safety3dDefaults(id)?.workspace?.box;
      assert.ok(box);
      const rel = oor[id] ?? { low: [0, 0, 0], high: [0, 0, 0] };
      try {
        for (let i = 0; i < (reset === "state" ? 16 : 4); i++) {
          const seed = i * 7919;
          env.reset({ seed });
          const start = env.robotState().eePosition;
          for (let k = 0; k < 3; k++) {
            assert.ok(start[k] + rel.low[k] >= box.low[k], `${id} ${reset} seed ${seed}: axis ${k} low ${start[k]}`);
            assert.ok(start[k] + rel.high[k] <= box.high[k], `${id} ${reset} seed ${seed}: axis ${k} high ${start[k]}`);
          }
        }
      } finally {
        env.close();
      }
    }
  }
});

test("the station's stack applies the defaults (with an e-stop), merges overrides, and stops a command past them", async () => {
  await prepareTask("pin-insertion");
  const env = withStationSafety(makeEnv("pin-insertion"), "pin-insertion", undefined, {
    workspace: { box: { low: [0, -1, 0], high: [1, 1, 0.0655] } }, // a ceiling just above the start's lowest z
  });
  try {
    assert.match(
      env.name,
      /^e-stop\(workspace\(delta-cap-3d\(joint-limits\(gripper-force-limit\(contact-force-limit\(safety\(clip-action\(pin-insertion@\d+\)+$/,
    );
    const layers = wrapperStack(env);
    const contact = layers.find((l) => l.name === "contact-force-limit");
    assert.deepEqual(contact?.params, { maxN: 10, pairs: null });
    env.reset({ seed: 3 });
    let stop: unknown;
    for (let i = 0; i < 20 && !stop; i++) stop = env.step([0, 0, 1]).info.safety;
    assert.equal((stop as { kind: string }).kind, "workspace");
    assert.ok(findEStop(env), "the stack has an e-stop");
  } finally {
    env.close();
  }
  const plain = withStationSafety(makeEnv("pusht"), "pusht");
  assert.equal(plain.name, "safety(clip-action(pusht@1))");
  assert.equal(findEStop(plain), null);
  plain.close();
});

test("obsType \"pixels\": the arm's proprioception and each default camera's RGB image, as the spec says", async () => {
  for (const id of ["pin-insertion", "pusht-arm"]) {
    await prepareTask(id);
    const pix = makeEnv(id, { obsType: "pixels" });
    const state = makeEnv(id);
    try {
      assert.deepEqual(pix.spec, taskSpec(id, "pixels"));
      const space = pix.spec.observationSpace;
      assert.equal(space.kind, "dict");
      const first = pix.reset({ seed: 5 }) as ArmPixelObs;
      const s0 = state.reset({ seed: 5 }) as number[];
      assert.deepEqual(first.proprio, s0.slice(0, 21), "proprio = the state's arm part");
      const cams = Object.keys(first.images);
      assert.deepEqual(
        cams.map((c) => `images.${c}`),
        Object.keys(space.kind === "dict" ? space.spaces : {}).filter((k) => k !== "proprio"),
      );
      for (const c of cams) assert.equal(first.images[c].length, 96 * 96 * 3);
      assert.notDeepEqual(first.images[cams[0]], first.images[cams[1]], "two cameras, two views");
      const action = id === "pusht-arm" ? [1, 0, 0] : [0, 0, 1];
      let after = first;
      for (let i = 0; i < 5; i++) after = pix.step(action).observation as ArmPixelObs;
      const wrist = cams[1];
      assert.notDeepEqual(after.images[wrist], first.images[wrist], "the wrist camera moves with the arm");
      assert.notDeepEqual(after.proprio, first.proprio);
      assert.deepEqual(pix.observe(), after, "observe() gives the same pixels as the step did");
    } finally {
      pix.close();
      state.close();
    }
  }
  const env = makeEnv("gpu-insertion") as unknown as ArmEnv;
  assert.throws(() => env.observeWith({ kind: "pixels", cameras: ["nope"], size: 96 }), /no camera "nope"/);
  env.reset({ seed: 0 });
  assert.throws(() => env.observeWith({ kind: "pixels", cameras: ["top"], size: 96 }), /before the first reset/);
  env.close();
});

test("a kitchen station has an e-stop and a contact-force stop: a base driven into the counter ends the trial", async () => {
  const task = "kitchen-turn-on-sink-faucet";
  await prepareTask(task);
  const limits = safety3dDefaults(task);
  assert.deepEqual(limits?.contactForce, { maxN: 200 });
  assert.equal(limits?.jointLimits, undefined, "the simulator's joint ranges hold the arm");
  const env = withStationSafety(makeEnv(task), task);
  try {
    assert.ok(findEStop(env), "the UI's e-stop reaches a kitchen station");
    assert.match(env.name, /contact-force-limit/);
    env.reset({ seed: 100000 });
    // base mode, full speed forward: the sink unit is 0.6 m ahead of the base's centre
    let stop: string | undefined;
    for (let i = 0; i < 40 && !stop; i++) {
      const r = env.step([0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 0, 1]);
      stop = r.info.safety ? `${r.info.safety.kind}: ${r.info.safety.reason}` : undefined;
    }
    assert.match(stop ?? "no stop", /^force: contact force between robot0_mobile_base and sink0/);
  } finally {
    env.close();
  }
  assert.notEqual(
    evalFingerprint(task),
    evalFingerprint("kitchen-open-drawer"),
    "each kitchen task has its own fingerprint",
  );
});
