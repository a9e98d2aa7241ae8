import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint, listTasks, makeEnv, prepareTask, taskSpec } from "../../registry.js";
import { SLOT } from "./card-slot.js";
import { GpuInsertion } from "./gpu-insertion.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const STEP_XY = 0.00025; // m per unit action across

test("the registry lists gpu-insertion, gives its spec without MuJoCo, and builds it after prepareTask", async () => {
  assert.ok(listTasks().some((t) => t.id === "gpu-insertion"));
  assert.equal(taskSpec("gpu-insertion").maxSteps, 750); // 30 s at 25 Hz
  assert.throws(() => taskSpec("gpu-insertion", "video"), /no observation type "video"/);
  assert.match(evalFingerprint("gpu-insertion"), /^[0-9a-f]{64}$/);
  assert.notEqual(evalFingerprint("gpu-insertion"), evalFingerprint("pin-insertion"));
  await prepareTask("gpu-insertion");
  const env = makeEnv("gpu-insertion");
  assert.equal(env.name, "gpu-insertion@2");
  env.close();
});

/** Runs a scripted policy (given the last observation) to the end of the episode; returns the verdict and steps. */
function run(env: GpuInsertion, seed: number, act: (obs: number[], i: number) => number[]) {
  let obs = env.reset({ seed });
  let i = 0;
  for (; i < env.spec.maxSteps; i++) {
    const r = env.step(act(obs, i));
    obs = r.observation;
    if (r.terminated) break;
  }
  return { verdict: env.verify(), steps: Math.min(i + 1, env.spec.maxSteps) };
}

/** Moves the EE over the slot's centre offset by (offsetX along, offsetY across), then straight down once there. */
function alignThenDown(env: GpuInsertion, offsetY: number, offsetX = 0) {
  return (obs: number[], i: number) => {
    const [sx, sy] = env.slotCentre(); // privileged: the test knows where this episode's slot is
    const ex = sx + offsetX - obs[6];
    const ey = sy + offsetY - obs[7];
    const clip = (v: number) => Math.max(-1, Math.min(1, v));
    const there = Math.hypot(ex, ey) < 0.0002 || i >= 40;
    return [clip(ex / STEP_XY), clip(ey / STEP_XY), there ? -1 : 0];
  };
}

test("reset is seeded: the same seed gives the same start, another seed another; the card hangs over the slot", async () => {
  await prepareTask("gpu-insertion");
  const env = new GpuInsertion();
  try {
    const a = env.reset({ seed: 7 });
    const cardA = env.cardState();
    env.step([1, -1, -1]);
    const b = env.reset({ seed: 7 });
    assert.deepEqual(b, a);
    assert.deepEqual(env.cardState(), cardA);
    const slotA = env.slotCentre();
    const c = env.reset({ seed: 8 });
    assert.notDeepEqual(c, a);
    // the slot's place is drawn per episode within its range on the board
    assert.notDeepEqual(env.slotCentre(), slotA);
    for (const [x, y] of [slotA, env.slotCentre()]) {
      assert.ok(
        Math.abs(x - SLOT.axis[0]) <= SLOT.range[0] && Math.abs(y - SLOT.axis[1]) <= SLOT.range[1],
        `${x}, ${y}`,
      );
    }
    env.reset({ seed: 7 });
    // edge 8 mm (housing) + 5 mm hover + 0..3 mm jitter ± 2 mm grasp above the floor, level, within the jitter across
    for (const h of cardA.edgeAboveFloor) assert.ok(h > 0.008 + 0.002 && h < 0.008 + 0.011, `${h}`);
    assert.ok(cardA.tiltDeg < 1, `tilt ${cardA.tiltDeg}°`);
    assert.ok(Math.abs(cardA.across) < 0.0035);
    // the card is centred between the pads (the fingers' coupling is stiff): its edge is under the EE across the slot
    assert.ok(Math.abs(env.slotCentre()[1] + cardA.across - a[7]) < 0.0003, `card ${cardA.across}, ee ${a[7]}`);
    assert.ok(a[14] > 10, `grip force ${a[14]} N`);
  } finally {
    env.close();
  }
});

test("aligned then straight down seats the card; onto the housing is too much force; off the end tilts; leaving is out-of-range; idling is too high", async () => {
  await prepareTask("gpu-insertion");
  const env = new GpuInsertion();
  try {
    for (const seed of [0, 1]) {
      const { verdict, steps } = run(env, seed, alignThenDown(env, 0));
      assert.equal(verdict.success, true, `seed ${seed}: ${verdict.reason}`);
      assert.ok(steps < 120, `ended on success after ${steps} steps`);
      assert.ok(Number(verdict.metrics.peakForceN) < 15);
    }
    // 3 mm across the slot the edge lands on the back wall's top; pushing on builds the force past the limit
    const pushed = run(env, 0, alignThenDown(env, 0.003));
    assert.equal(pushed.verdict.success, false);
    assert.match(pushed.verdict.reason ?? "", /^too much force/);
    // 3 mm along the slot one end of the edge lands on an end wall; pressing gently (≤ 8 N) pivots the card in the
    // grasp until one end is at the floor and the other high: tilted
    const pivot = alignThenDown(env, 0, 0.003);
    const tilted = run(env, 0, (obs, i) => (obs[17] > 8 ? [0, 0, 0] : pivot(obs, i)));
    assert.match(tilted.verdict.reason ?? "", /^tilted: the card is \d+\.\d° off upright/);
    assert.ok(Number(tilted.verdict.metrics.tiltDeg) > 5);
    const left = run(env, 0, () => [1, 0, 0]);
    assert.match(left.verdict.reason ?? "", /^out-of-range: EE x moved/);
    assert.ok(left.steps > 190 && left.steps < 260, `${left.steps} steps to leave the ±50 mm box at 0.25 mm/step`);
    const idle = run(env, 0, () => [0, 0, 0]);
    assert.match(idle.verdict.reason ?? "", /^too high: edge ends/);
    assert.equal(idle.steps, 750);
  } finally {
    env.close();
  }
});

test("evaluate() runs gpu insertion with the example heuristic through a thread station", async () => {
  const { RunStore } = await import("../../../rollout/store.js");
  const { evaluate } = await import("../../../rollout/evaluate.js");
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-gpu-")));
  const result = await evaluate(store, {
    taskId: "gpu-insertion",
    policyFile: path.join(ROOT, "examples/policies/gpu-insertion-heuristic.ts"),
    episodes: 2,
    seedStart: 0,
    stations: 1,
  });
  assert.equal(result.status, "finished");
  assert.equal(result.trials.length, 2);
  // since v2 the slot's place is drawn per episode and the proprioceptive heuristic must find it by probing: its
  // success rate is measured in the README (it fell from 20/20), so only the station's run is checked here
  for (const t of result.trials) assert.equal(typeof t.success, "boolean");
});
