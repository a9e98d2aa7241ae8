import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { evalFingerprint, listTasks, makeEnv, prepareTask, taskSpec } from "./registry.js";
import { pushTEvalFingerprint } from "./tasks/pusht/pusht.js";

test("listTasks names every task with its version and spaces", () => {
  const tasks = listTasks();
  assert.deepEqual(
    tasks.map((t) => `${t.id}@${t.version}`),
    [
      "gpu-insertion@2",
      "kitchen-coffee-setup-mug@4",
      "kitchen-open-cabinet@4",
      "kitchen-open-drawer@4",
      "kitchen-open-stand-mixer-head@4",
      "kitchen-pnp-counter-to-cabinet@4",
      "kitchen-pnp-sink-to-counter@4",
      "kitchen-turn-off-stove@4",
      "kitchen-turn-on-sink-faucet@4",
      "pin-insertion@2",
      "pin-insertion-easy@2",
      "pin-insertion-expert@2",
      "pusht@1",
      "pusht-arm@1",
      "zip-tie-cut@2",
      "zip-tie-tie@1",
    ],
  );
  const pusht = tasks.find((t) => t.id === "pusht");
  assert.deepEqual(pusht?.actionSpace.kind, "box");
  assert.equal(pusht?.maxSteps, 300);
});

test("makeEnv builds a working env, with the observation type asked for", () => {
  const env = makeEnv("pusht");
  assert.equal(env.name, "pusht@1");
  assert.deepEqual(env.reset({ seed: 0 }), makeEnv("pusht", { obsType: "state" }).reset({ seed: 0 }));
  const pixels = makeEnv("pusht", { obsType: "pixels" }).reset({ seed: 0 });
  assert.ok(pixels instanceof Uint8Array && pixels.length === 96 * 96 * 3);
});

test("an unknown task id is refused with the known ones listed", () => {
  assert.throws(
    () => makeEnv("push-t"),
    (err: unknown) =>
      err instanceof UnknownTaskError && /unknown task "push-t"; known tasks: .*pusht/.test(err.message),
  );
  assert.throws(() => evalFingerprint("toString"), UnknownTaskError);
});

test("an unknown observation type is refused with the choices", () => {
  assert.throws(
    () => makeEnv("pusht", { obsType: "depth" }),
    (err: unknown) => err instanceof InvalidInputError && /"depth".*state, keypoints, pixels/.test(err.message),
  );
});

test("evalFingerprint is the task's own evaluation fingerprint", () => {
  assert.equal(evalFingerprint("pusht"), pushTEvalFingerprint());
  assert.match(evalFingerprint("pusht"), /^[0-9a-f]{64}$/);
});

test("a task's variants (reset mode, verifier) each have their own spec and fingerprint; one it lacks is refused", () => {
  const base = evalFingerprint("pin-insertion");
  const procedural = evalFingerprint("pin-insertion", { reset: "procedural" });
  const pixel = evalFingerprint("pin-insertion", { verifier: "pixel" });
  assert.equal(
    new Set([base, procedural, pixel, evalFingerprint("pin-insertion", { reset: "procedural", verifier: "pixel" })])
      .size,
    4,
  );
  assert.equal(evalFingerprint("pin-insertion", { reset: "state", verifier: "state" }), base, "the defaults spelt out");
  assert.equal(taskSpec("pin-insertion", undefined, { reset: "procedural" }).evaluation.resetMode, "procedural");
  assert.equal(taskSpec("gpu-insertion", "pixels", { verifier: "pixel" }).evaluation.verifier, "pixel: gpu-pixels");
  assert.throws(
    () => evalFingerprint("pusht", { reset: "procedural" }),
    (err: unknown) =>
      err instanceof InvalidInputError &&
      /task "pusht" has no reset mode "procedural"; choose one of state/.test(err.message),
  );
  assert.throws(
    () => taskSpec("pusht-arm", undefined, { verifier: "pixel" }),
    (err: unknown) => err instanceof InvalidInputError && /no verifier "pixel"/.test(err.message),
  );
});

test("with the pixel verifier the verdict is the pixel verifier's, and the state predicate's stays in the metrics", async () => {
  await prepareTask("pin-insertion-easy");
  const env = makeEnv("pin-insertion-easy", { verifier: "pixel" });
  try {
    assert.match(env.name, /^pixel-verifier\(/);
    env.reset({ seed: 3 });
    const v = env.verify(); // hovering above the hole at the start: not seated
    assert.equal(v.success, false);
    assert.equal(v.metrics.verifier, "pin-pixels");
    assert.equal(v.metrics.stateSuccess, false);
    assert.match(v.reason ?? "", /too high/);
  } finally {
    env.close();
  }
});
