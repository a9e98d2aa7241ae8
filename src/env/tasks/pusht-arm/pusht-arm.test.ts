import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint, listTasks, makeEnv, prepareTask, taskSpec } from "../../registry.js";
import { PUSHT_ARM, PushTArm } from "./pusht-arm.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

test("the registry lists pusht-arm with its spec and fingerprint, and refuses an unknown observation type", async () => {
  assert.ok(listTasks().some((t) => t.id === "pusht-arm"));
  const spec = taskSpec("pusht-arm");
  assert.equal(spec.maxSteps, 300);
  assert.deepEqual(spec.actionSpace.kind === "box" && spec.actionSpace.shape, [3]);
  assert.throws(() => taskSpec("pusht-arm", "video"), /no observation type "video"/);
  assert.match(evalFingerprint("pusht-arm"), /^[0-9a-f]{64}$/);
  await prepareTask("pusht-arm");
  const env = makeEnv("pusht-arm");
  assert.equal(env.name, "pusht-arm@1");
  env.close();
});

test("reset is seeded: the same seed gives the same start, friction, mass and delay; seeds differ", async () => {
  await prepareTask("pusht-arm");
  const env = new PushTArm();
  try {
    const a = env.reset({ seed: 3 });
    const epA = env.episode;
    env.step([1, 1, 0]);
    const b = env.reset({ seed: 3 });
    assert.deepEqual(b, a);
    assert.deepEqual(env.episode, epA);
    const eps = [0, 1, 2, 4, 5, 6, 7, 8, 9].map((seed) => {
      env.reset({ seed });
      return env.episode;
    });
    assert.ok(new Set(eps.map((e) => e.friction)).size === eps.length);
    assert.ok(new Set(eps.map((e) => e.mass)).size === eps.length);
    assert.deepEqual(new Set(eps.map((e) => e.delaySteps)), new Set([0, 1, 2]));
    for (const e of eps) {
      assert.ok(e.friction >= 0.3 && e.friction <= 0.8 && e.mass >= 0.1 && e.mass <= 0.3);
      // the T starts away from the goal
      const d = Math.hypot(e.tStart[0] - PUSHT_ARM.goal[0], e.tStart[1] - PUSHT_ARM.goal[1]);
      assert.ok(d > 0.05 || Math.abs(e.tStart[2]) > Math.PI / 6);
    }
    // the T in the observation is the drawn start, at rest on the table
    assert.ok(Math.abs(a[21] - epA.tStart[0]) < 0.002 && Math.abs(a[22] - epA.tStart[1]) < 0.002);
  } finally {
    env.close();
  }
});

test("the drawn delay holds actions back: delay 0 moves the EE on the first step, delay 2 only on the third", async () => {
  await prepareTask("pusht-arm");
  const env = new PushTArm();
  try {
    const seedWith = (d: number) => {
      for (let seed = 0; seed < 50; seed++) {
        env.reset({ seed });
        if (env.episode.delaySteps === d) return seed;
      }
      throw new Error(`no seed with delay ${d}`);
    };
    for (const delay of [0, 2]) {
      const x0 = env.reset({ seed: seedWith(delay) })[6];
      const xs = [1, 2, 3].map(() => env.step([-1, 0, 0]).observation[6] - x0);
      for (let i = 0; i < 3; i++) {
        if (i < delay) assert.ok(Math.abs(xs[i]) < 0.001, `delay ${delay}, step ${i + 1}: moved ${xs[i]}`);
        else assert.ok(xs[i] < -0.004, `delay ${delay}, step ${i + 1}: moved ${xs[i]}`);
      }
    }
  } finally {
    env.close();
  }
});

test("the pixel verifier agrees with the ground truth: on the goal succeeds, 20° or 3 cm off fails", async () => {
  await prepareTask("pusht-arm");
  const env = new PushTArm();
  try {
    const g = PUSHT_ARM.goal;
    const cases: [string, [number, number, number], boolean][] = [
      ["on the goal", [g[0], g[1], g[2]], true],
      ["20° off", [g[0], g[1], g[2] + (20 * Math.PI) / 180], false],
      ["3 cm off in x", [g[0] + 0.03, g[1], g[2]], false],
      ["3 cm off in y", [g[0], g[1] - 0.03, g[2]], false],
      ["flipped", [g[0], g[1], g[2] + Math.PI], false],
    ];
    for (const [label, pose, success] of cases) {
      env.reset({ seed: 11 });
      env.placeT(pose);
      const v = env.verify();
      assert.equal(v.success, success, `${label}: ${v.reason}`);
      assert.equal(v.metrics.gtSuccess, success, label);
      assert.equal(v.metrics.pixelAgreesWithGt, true, label);
      assert.ok(Number(v.metrics.pixelIou) > 0.9, `${label}: IoU ${v.metrics.pixelIou}`);
    }
    env.reset({ seed: 11 });
    env.placeT([g[0], g[1], g[2] + (20 * Math.PI) / 180]);
    assert.match(env.verify().reason ?? "", /orientation off by 20\.\d°/);
  } finally {
    env.close();
  }
});

test("the arm leaves the camera's view before the verdict, without moving the T", async () => {
  await prepareTask("pusht-arm");
  const env = new PushTArm();
  try {
    env.reset({ seed: 2 });
    for (let i = 0; i < 5; i++) env.step([1, 0, 0]);
    assert.ok(env.armPixelsInView() > 50, "the pusher is in view while pushing");
    const before = env.tPose().pose;
    const v = env.verify();
    assert.equal(env.armAvoided, true);
    assert.equal(v.metrics.armPixelsInView, 0);
    const after = env.tPose().pose;
    assert.ok(Math.hypot(after[0] - before[0], after[1] - before[1]) < 0.002);
    assert.deepEqual(env.verify(), v, "verify() is idempotent");
    assert.throws(() => env.step([0, 0, 0]), /episode has ended/);
    // the done flag ends the episode the same way
    env.reset({ seed: 2 });
    const r = env.step([0, 0, 1]);
    assert.equal(r.terminated, true);
    assert.equal(env.armPixelsInView(), 0);
  } finally {
    env.close();
  }
});

test("evaluate() runs pusht-arm through a thread station", async () => {
  const { RunStore } = await import("../../../rollout/store.js");
  const { evaluate } = await import("../../../rollout/evaluate.js");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-pusht-arm-"));
  const store = RunStore.open(root);
  const result = await evaluate(store, {
    taskId: "pusht-arm",
    policyFile: path.join(ROOT, "examples/policies/pusht-arm-heuristic.ts"),
    episodes: 2,
    seedStart: 0,
    stations: 1,
  });
  assert.equal(result.status, "finished");
  assert.equal(result.trials.length, 2);
  for (const t of result.trials) {
    assert.equal(t.outcomeKind === "success", t.success);
    // the verdict carries both judges: the pixel verifier's and the simulator's ground truth
    const saved = fs.readFileSync(path.join(root, t.dir, "result.json"), "utf8");
    assert.match(saved, /"pixelAgreesWithGt": (true|false)/);
    assert.match(saved, /"gtAngleErrDeg":/);
  }
  fs.rmSync(root, { recursive: true, force: true });
});
