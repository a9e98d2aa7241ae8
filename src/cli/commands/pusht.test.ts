import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInputError } from "../../core/errors.js";
import { pushtCoverage, pushtKeypoints, pushtReplay } from "./pusht.js";

test("coverage: one number per pose, 1 at the goal", () => {
  const out = pushtCoverage([
    [256, 256, Math.PI / 4],
    [256, 256, 0],
  ]);
  assert.equal(out.length, 2);
  assert.ok(Math.abs(out[0] - 1) < 1e-9 && Math.abs(out[1] - 0.324) < 1e-4);
  assert.deepEqual(pushtCoverage([]), []);
});

test("keypoints: 16 numbers per pose", () => {
  const [k] = pushtKeypoints([[256, 256, Math.PI / 4]]);
  assert.equal(k.length, 16);
  assert.ok(Math.abs(k[0] - 213.574) < 1e-3);
});

test("replay: entry 0 is the reset observation, then one entry per action", () => {
  const out = pushtReplay({
    seed: 0,
    actions: [
      [256, 256],
      [256, 300],
    ],
  });
  assert.equal(out.length, 3);
  assert.deepEqual(out[0].obs.slice(0, 2), [222, 97]);
  assert.equal(out[0].terminated, false);
  for (const e of out) assert.ok(e.reward >= 0 && e.reward <= 1 && e.coverage >= 0 && e.obs.length === 5);
  const fromState = pushtReplay({ reset_to_state: [0, 10, 20, 30, 1], actions: [] });
  assert.deepEqual(
    fromState[0].obs.map((v) => Number(v.toFixed(3))),
    [0, 10, 57.866, 50.686, 1],
  );
});

test("bad input is refused in one line naming the place and the expected shape", () => {
  const refused = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (err: unknown) => err instanceof InvalidInputError && pattern.test(err.message) && !err.message.includes("\n"),
    );
  refused(() => pushtCoverage([[1, 2]]), /^input\[0\]: .*expected \[\[x, y, angle\], \.\.\.\]/);
  refused(() => pushtKeypoints({ poses: [] }), /^input: /);
  refused(() => pushtCoverage([[1, 2, "3"]]), /^input\[0\]\[2\]: /);
  refused(() => pushtReplay({ actions: [] }), /exactly one of "seed" and "reset_to_state"/);
  refused(() => pushtReplay({ seed: 1, reset_to_state: [1, 2, 3, 4, 5], actions: [] }), /exactly one/);
  refused(() => pushtReplay({ seed: -1, actions: [] }), /^input\["seed"\]: /);
  refused(() => pushtReplay({ seed: 1, actions: [[1, Number.NaN]] }), /^input\["actions"\]\[0\]\[1\]: /);
});
