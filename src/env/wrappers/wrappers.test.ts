import assert from "node:assert/strict";
import { test } from "node:test";
import type { Env, StepResult, TaskSpec, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { clipAction, safety, withSafety, wrap, wrapperStack } from "./index.js";

/** A 1-D point mass on a 0..10 m rail, pushed by a force in -1..1 N; the goal is x = 5 m. */
class PointMass implements Env<number[], number[]> {
  readonly spec: TaskSpec = {
    id: "point-mass",
    version: 1,
    description: "push a 1 kg mass to x = 5 m",
    observationSpace: { kind: "box", shape: [2], low: -100, high: 100, dtype: "float64", names: ["x m", "v m/s"] },
    actionSpace: { kind: "box", shape: [1], low: -1, high: 1, dtype: "float64", names: ["force N"] },
    maxSteps: 50,
    controlHz: 10,
    evaluation: { goal: 5 },
  };
  readonly name = "point-mass@1";
  x = 0;
  v = 0;
  /** Every action the real step received, so tests can see what got through the wrappers. */
  received: unknown[] = [];
  reset({ seed }: { seed: number }): number[] {
    this.x = seed % 10;
    this.v = 0;
    this.received = [];
    return this.observe();
  }
  observe(): number[] {
    return [this.x, this.v];
  }
  step(action: number[]): StepResult<number[]> {
    this.received.push(action);
    this.v += action[0] * 0.1;
    this.x = Math.min(10, Math.max(0, this.x + this.v * 0.1));
    return {
      observation: this.observe(),
      reward: -Math.abs(this.x - 5),
      terminated: false,
      truncated: false,
      info: {},
    };
  }
  verify(): Verification {
    return { success: Math.abs(this.x - 5) < 0.1, score: null, reason: null, metrics: { x: this.x } };
  }
  close(): void {}
}

test("each wrapper names itself, so the stack reads outside in", () => {
  const env = withSafety(new PointMass());
  assert.equal(env.name, "safety(clip-action(point-mass@1))");
  assert.deepEqual(
    wrapperStack(env).map((l) => l.name),
    ["safety", "clip-action"],
  );
  assert.equal(env.spec.id, "point-mass");
  const counted = wrap(new PointMass(), "count", { every: 1 }, {});
  assert.equal(counted.name, "count(point-mass@1)");
  assert.deepEqual(counted.reset({ seed: 3 }), [3, 0]); // not overridden: forwarded
  assert.equal(counted.render, undefined); // the point mass cannot draw, so neither can its wrapper
  assert.equal(safety(new PointMass()).name, "safety(point-mass@1)"); // each wrapper also stands alone
});

test("clip-action clips to the action space and says so in info; in-range actions pass untouched", () => {
  const inner = new PointMass();
  const env = clipAction(inner);
  env.reset({ seed: 2 });
  const clipped = env.step([3]);
  assert.equal(clipped.info.clipped, true);
  assert.deepEqual(inner.received.at(-1), [1]);
  const low = env.step([-7]);
  assert.equal(low.info.clipped, true);
  assert.deepEqual(inner.received.at(-1), [-1]);
  const plain = env.step([0.5]);
  assert.equal(plain.info.clipped, undefined);
  assert.deepEqual(inner.received.at(-1), [0.5]);
});

test("clip-action never turns NaN or Infinity into a number", () => {
  const inner = new PointMass();
  const env = clipAction(inner);
  env.reset({ seed: 2 });
  env.step([Number.NaN]);
  env.step([Number.POSITIVE_INFINITY]);
  assert.ok(Number.isNaN((inner.received[0] as number[])[0]));
  assert.deepEqual(inner.received[1], [Number.POSITIVE_INFINITY]);
});

const malformed: [string, unknown, RegExp][] = [
  ["not an array", "left", /malformed action: expected an array of 1 numbers, got the string "left"/],
  ["wrong length", [0.1, 0.2], /expected 1 numbers \(shape \[1\]\), got 2/],
  ["a non-number", ["0.5"], /element 0 is the string "0.5", not a number/],
  ["NaN", [Number.NaN], /malformed action: element 0 is NaN; expected 1 finite numbers \[force N\]/],
  ["Infinity", [Number.POSITIVE_INFINITY], /element 0 is Infinity/],
  ["-Infinity", [Number.NEGATIVE_INFINITY], /element 0 is -Infinity/],
  ["null", null, /got null/],
];
for (const [what, action, reason] of malformed) {
  test(`a malformed action (${what}) ends the trial as a safety failure without stepping the env`, () => {
    const inner = new PointMass();
    const env = withSafety(inner);
    env.reset({ seed: 4 });
    env.step([0.5]);
    const before = inner.observe();
    const result = env.step(action as number[]);
    assert.equal(result.terminated, true);
    assert.equal(result.truncated, false);
    assert.equal(result.reward, 0);
    assert.deepEqual(result.observation, before);
    assert.equal(result.info.safety?.wrapper, "safety");
    assert.equal(result.info.safety?.kind, "malformed-action");
    assert.match(result.info.safety?.reason ?? "", reason);
    assert.equal(inner.received.length, 1, "the env's real step must not run");
  });
}

test("an action outside the box stops the trial, naming the element, value and box with units", () => {
  const inner = new PointMass();
  const env = withSafety(inner, { box: { low: [-0.5], high: [0.5] } });
  env.reset({ seed: 1 });
  assert.equal(env.step([0.5]).info.safety, undefined); // the bounds are inside the box
  const result = env.step([0.8]);
  assert.deepEqual(result.info.safety, {
    wrapper: "safety",
    kind: "out-of-range",
    reason: "force = 0.8 N, box is -0.5..0.5 N",
  });
  assert.equal(result.terminated, true);
  assert.equal(inner.received.length, 1);
});

test("the box judges the commanded action, before clipping could pull it back in", () => {
  const env = withSafety(new PointMass(), { box: { low: [-1], high: [1] } });
  env.reset({ seed: 1 });
  const result = env.step([1.5]);
  assert.equal(result.info.safety?.kind, "out-of-range");
  assert.equal(result.info.clipped, undefined);
});

test("the delta cap stops a jump between consecutive actions, and a reset forgets the previous one", () => {
  const inner = new PointMass();
  const env = withSafety(inner, { deltaCap: [0.3] });
  env.reset({ seed: 1 });
  env.step([0.9]); // first action: nothing to compare with
  env.step([0.7]);
  const result = env.step([0.2]);
  assert.equal(result.info.safety?.kind, "delta-cap");
  assert.equal(result.info.safety?.reason, "force moved 0.5 N in one step (0.7 → 0.2 N), cap is 0.3 N per step");
  assert.equal(inner.received.length, 2);
  env.reset({ seed: 1 });
  assert.equal(env.step([-0.9]).info.safety, undefined);
});

test("a recorded observation is unchanged after a safety stop, and later steps repeat the stop", () => {
  const inner = new PointMass();
  const env = withSafety(inner, { deltaCap: [0.5] });
  const recorded = [env.reset({ seed: 3 })];
  recorded.push(env.step([1]).observation, env.step([1]).observation);
  const snapshot = structuredClone(recorded);
  const stop = env.step([Number.NaN]);
  assert.deepEqual(stop.observation, recorded.at(-1)); // the state did not advance
  const again = env.step([0.9]); // would be legal, but the trial has ended
  assert.deepEqual(again.info.safety, stop.info.safety);
  assert.deepEqual(again.observation, recorded.at(-1));
  assert.deepEqual(recorded, snapshot); // nothing already recorded was touched
  assert.equal(inner.received.length, 2);
});

test("typed-array actions are checked and clipped like arrays", () => {
  const inner = new PointMass();
  const env = withSafety(inner);
  env.reset({ seed: 0 });
  assert.equal(env.step(Float64Array.of(2) as unknown as number[]).info.clipped, true);
  assert.deepEqual(inner.received.at(-1), [1]);
  assert.equal(env.step(Float64Array.of(Number.NaN) as unknown as number[]).info.safety?.kind, "malformed-action");
});

test("limits that do not fit the action space are refused before any trial", () => {
  assert.throws(() => withSafety(new PointMass(), { deltaCap: [0.1, 0.1] }), InvalidInputError);
  assert.throws(() => withSafety(new PointMass(), { deltaCap: [-1] }), /deltaCap\[0\] is -1; a cap must be >= 0/);
  assert.throws(() => withSafety(new PointMass(), { deltaCap: [Number.NaN] }), /deltaCap\[0\] is NaN/);
  assert.throws(() => withSafety(new PointMass(), { box: { low: [1], high: [0] } }), /box.low\[0\] = 1 is above/);
  const dictEnv = new PointMass();
  (dictEnv as { spec: TaskSpec }).spec = {
    ...dictEnv.spec,
    actionSpace: { kind: "dict", spaces: { a: dictEnv.spec.actionSpace as never } },
  };
  assert.throws(() => withSafety(dictEnv), /needs a 1-D box action space, but point-mass@1 has a dict/);
});
