import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { evalFingerprint, listTasks, makeEnv } from "./registry.js";
import { pushTEvalFingerprint } from "./tasks/pusht/pusht.js";

test("listTasks names every task with its version and spaces", () => {
  const tasks = listTasks();
  assert.deepEqual(
    tasks.map((t) => `${t.id}@${t.version}`),
    [
      "gpu-insertion@1",
      "pin-insertion@1",
      "pin-insertion-easy@1",
      "pin-insertion-expert@1",
      "pusht@1",
      "pusht-arm@1",
      "zip-tie-cut@1",
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
