import assert from "node:assert/strict";
import { test } from "node:test";
import { PolicyError } from "../../core/errors.js";
import type { Policy } from "../../core/policy.js";
import { withStepDeadline } from "./watchdog.js";

function policy(name: string, act: (obs: number[]) => number[] | Promise<number[]>): Policy<number[], number[]> {
  return { name, reset() {}, act, close() {} };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("an async act that answers in time passes its answer through", async () => {
  const p = withStepDeadline(
    policy("quick", async (obs) => {
      await sleep(5);
      return [obs[0] + 1];
    }),
    { stepDeadlineMs: 200 },
  );
  assert.deepEqual(await p.act([1]), [2]);
  assert.equal(p.name, "quick");
});

test("an async act that never settles is refused at the deadline", async () => {
  const p = withStepDeadline(
    policy("stuck", () => new Promise<number[]>(() => {})),
    { stepDeadlineMs: 100 },
  );
  const started = performance.now();
  await assert.rejects(
    async () => p.act([0]),
    (err: unknown) => {
      assert.ok(err instanceof PolicyError);
      assert.equal(err.kind, "deadline");
      assert.equal(err.message, 'policy "stuck" did not answer within 100 ms');
      return true;
    },
  );
  const waited = performance.now() - started;
  assert.ok(waited >= 95 && waited < 400, `rejected after ${waited} ms`);
});

test("a late rejection from the losing act does not escape", async () => {
  const p = withStepDeadline(
    policy("late-throw", async () => {
      await sleep(80);
      throw new Error("too late to matter");
    }),
    { stepDeadlineMs: 20 },
  );
  await assert.rejects(async () => p.act([0]), /did not answer within 20 ms/);
  await sleep(120); // the test runner fails the file on an unhandled rejection
});

test("a synchronous act is timed, and its late answer refused", async () => {
  const slow = policy("busy", () => {
    const until = performance.now() + 60;
    while (performance.now() < until) {}
    return [0];
  });
  await assert.rejects(
    async () => withStepDeadline(slow, { stepDeadlineMs: 20 }).act([0]),
    /policy "busy" did not answer within 20 ms/,
  );
  assert.deepEqual(await withStepDeadline(slow, { stepDeadlineMs: 1000 }).act([0]), [0]);
});

test("time an act spends blocking before it returns its promise counts too", async () => {
  const blocking = policy("blocks-then-resolves", () => {
    const until = performance.now() + 60;
    while (performance.now() < until) {}
    return Promise.resolve([0]);
  });
  await assert.rejects(async () => withStepDeadline(blocking, { stepDeadlineMs: 20 }).act([0]), /within 20 ms/);
});

test("the policy's own errors pass through unchanged", async () => {
  const p = withStepDeadline(
    policy("thrower", () => {
      throw new Error("bad gains");
    }),
    { stepDeadlineMs: 100 },
  );
  await assert.rejects(async () => p.act([0]), /bad gains/);
});

test("the timer is cleared once an answer arrives", async () => {
  const p = withStepDeadline(
    policy("fast", async () => [1]),
    { stepDeadlineMs: 60_000 },
  );
  await p.act([0]);
  // a leaked 60 s timer would keep this test file alive for a minute; node:test reports that as a slow file
  assert.ok(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length === 0);
});
