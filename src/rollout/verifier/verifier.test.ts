import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { LabelledSnapshot } from "../../core/snapshot.js";
import { verifierInput } from "../../core/snapshot.js";
import { makeEnv, prepareTask } from "../../env/registry.js";
import { verifyPin } from "../../env/tasks/pin-insertion/pixel-verifier.js";
import { withPixelVerifier } from "../../env/verifiers/with-pixel-verifier.js";
import { evaluateVerifier, parseRequirements } from "./evaluate.js";
import { recordSnapshots, splitOf } from "./record.js";
import { VerifierSandbox } from "./sandbox.js";
import { listSnapshots, readSnapshot, setDir, writeSnapshot } from "./snapshot-store.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "enpire-verifier-"));

function synthetic(seed: number, z: number, success: boolean): LabelledSnapshot {
  const w = 4;
  const rgb = Uint8Array.from({ length: w * w * 3 }, (_, i) => (i * 7 + seed) % 256);
  const depth = Float32Array.from({ length: w * w }, (_, i) => (i === 3 ? Number.POSITIVE_INFINITY : 0.5 + i * 0.0123));
  return {
    task: { id: "pin-insertion", version: 1 },
    cameras: {
      top: {
        width: w,
        height: w,
        rgb,
        depth,
        intrinsics: { fx: 2, fy: 2, cx: 1.5, cy: 1.5 },
        extrinsics: { position: [0, 0, 1], rotation: [1, 0, 0, 0, -1, 0, 0, 0, -1] },
      },
    },
    proprio: [0.1, z],
    proprioNames: ["ee x m", "ee z m"],
    label: { success, reason: success ? null : "too high" },
    origin: { seed, trial: `t/seed-${seed}`, policy: "t", step: 3, final: true },
  };
}

test("a snapshot reads back as written: pixels exactly, depth to 0.1 mm, Infinity kept", () => {
  const dir = tmp();
  const s = synthetic(5, 0.04, true);
  const back = readSnapshot(writeSnapshot(dir, s));
  assert.deepEqual(back.cameras.top.rgb, s.cameras.top.rgb);
  const d0 = s.cameras.top.depth as Float32Array;
  const d1 = back.cameras.top.depth as Float32Array;
  for (let i = 0; i < d0.length; i++) {
    if (!Number.isFinite(d0[i])) assert.equal(d1[i], Number.POSITIVE_INFINITY);
    else assert.ok(Math.abs(d0[i] - d1[i]) <= 0.00005 + 1e-7, `depth ${i}: ${d0[i]} vs ${d1[i]}`);
  }
  assert.deepEqual({ ...back, cameras: null }, { ...s, cameras: null });
  assert.throws(() => writeSnapshot(dir, s), /exists already/);
});

test("the split is a function of task and seed: the same every time, about 70/30, never both", () => {
  const seeds = Array.from({ length: 400 }, (_, i) => i);
  const a = seeds.map((s) => splitOf("pin-insertion", s));
  assert.deepEqual(
    a,
    seeds.map((s) => splitOf("pin-insertion", s)),
  );
  const train = a.filter((x) => x === "train").length;
  assert.ok(train > 240 && train < 320, `${train}/400 in train`);
  assert.notDeepEqual(
    a,
    seeds.map((s) => splitOf("gpu-insertion", s)),
  );
});

test("eval counts a verifier that says success when proprio z < 0.05 on a synthetic split", async () => {
  const root = tmp();
  const dir = path.join(setDir(root, "pin-insertion", "syn"), "heldout");
  // truth: success iff z < 0.045; the verifier's bound 0.05 takes z in [0.045, 0.05) for successes too
  const zs = [0.03, 0.04, 0.044, 0.046, 0.048, 0.06, 0.07];
  for (const [i, z] of zs.entries()) writeSnapshot(dir, synthetic(i, z, z < 0.045));
  const file = path.join(root, "z.ts");
  fs.writeFileSync(
    file,
    "export function verify(s: { proprio: number[] }) { return { success: s.proprio[1] < 0.05, views: { z: s.proprio[1] < 0.05 } }; }\n",
  );
  const r = await evaluateVerifier({
    storeRoot: root,
    taskId: "pin-insertion",
    set: "syn",
    split: "heldout",
    verifierFile: file,
    require: parseRequirements("precision>=0.95,p95<150"),
  });
  assert.deepEqual(r.confusion, { tp: 3, fp: 2, tn: 2, fn: 0 });
  assert.equal(r.precision, 3 / 5);
  assert.equal(r.recall, 1);
  assert.equal(r.falsePositives.map((m) => m.seed).join(","), "3,4");
  assert.equal(r.passed, false);
  assert.deepEqual(
    r.requirements.map((q) => q.ok),
    [false, true],
  );
  assert.throws(() => parseRequirements("precision=1"), /bad --require bound/);
});

test("the sandbox refuses fs: an import does not build, a require at run time does not exist", async () => {
  const root = tmp();
  const a = path.join(root, "a.ts");
  fs.writeFileSync(a, 'import fs from "fs";\nexport function verify() { return { success: fs.existsSync("/") }; }\n');
  await assert.rejects(VerifierSandbox.start(a), /cannot import "fs"/);
  const b = path.join(root, "b.js");
  fs.writeFileSync(
    b,
    'export function verify() { const r = globalThis["req" + "uire"]; return { success: r("fs") !== null }; }\n',
  );
  const v = await VerifierSandbox.start(b);
  try {
    await assert.rejects(v.verify(verifierInput(synthetic(1, 0.04, true))), /threw/);
  } finally {
    v.close();
  }
});

test("pin-insertion: recorded snapshots of 2 successes and 2 failures, the pixel verifier agrees; withPixelVerifier judges", async () => {
  const root = tmp();
  const summary = await recordSnapshots({
    taskId: "pin-insertion",
    policies: ["examples/policies/pin-insertion-heuristic.ts", "hold"],
    episodes: 2,
    seedStart: 100000,
    storeRoot: root,
    set: "t",
  });
  const all = ["train", "heldout"].flatMap((sp) => listSnapshots(summary.dir, sp as "train").map(readSnapshot));
  assert.equal(all.length, 4);
  assert.equal(all.filter((s) => s.label.success).length, 2);
  for (const s of all) assert.equal(verifyPin(verifierInput(s)).success, s.label.success, s.origin.trial);
  // the wrapper: a fresh episode that holds still is judged a failure by pixels, as by the state predicate
  await prepareTask("pin-insertion");
  const env = withPixelVerifier(makeEnv("pin-insertion"), verifyPin, "pin-pixels");
  try {
    env.reset({ seed: 3 });
    const v = env.verify();
    assert.equal(v.success, false);
    assert.equal(v.metrics.verifier, "pin-pixels");
    assert.equal(v.metrics.stateSuccess, false);
    assert.match(String(v.reason), /too high/);
  } finally {
    env.close();
  }
});
