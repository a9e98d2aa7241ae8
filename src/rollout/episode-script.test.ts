import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { bundledPolicy, pushtJob } from "../../test/support/trial-job.js";
import { TrialEventSchema } from "../core/trial.js";
import { evalFingerprint } from "../env/registry.js";
import { fixedEvaluation } from "./evaluate.js";
import { TrialExecutor } from "./execute.js";
import { TrialOutputSchema } from "./job.js";

/**
 * Episode scripts (policy/authoring.ts ScriptInstance) through a station: the script runs once, its kitchen motions
 * step the station through the runner, and every step, frame and tool call is recorded as for a per-step policy.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-episode-script-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TASK = "kitchen-open-drawer";

async function scriptJob(source: string, over: { maxSteps?: number; video?: boolean } = {}) {
  const file = path.join(tmp, `s${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, source);
  const policy = await bundledPolicy(file);
  return pushtJob(policy, {
    task: { id: TASK, version: 4 },
    evalFingerprint: evalFingerprint(TASK),
    seed: 0,
    maxSteps: over.maxSteps ?? 750,
    video: over.video ? { size: 64, fps: 20 } : null,
  });
}

test("a script runs once to its end: its motions are the trial's steps, in order, with frames and tool events", async () => {
  const job = await scriptJob(
    `export default (ctx) => ({ episode(obs) {
      const k = ctx.tools.kitchen;
      const s = k.state();
      console.log("start", obs.length);
      const down = k.moveEef({ pos: [s.eePos[0], s.eePos[1], s.eePos[2] - 0.08] });
      console.log("down", down.arrived, down.steps);
      k.gripper({ close: true, steps: 5 });
      k.wait({ steps: 3 });
    } });\n`,
    { video: true },
  );
  const station = new TrialExecutor("sim-0");
  try {
    const { output, video } = await station.run(job);
    TrialOutputSchema.parse(output);
    for (const e of output.events) TrialEventSchema.parse(JSON.parse(JSON.stringify(e)));
    assert.equal(output.termination, "script-end");
    assert.equal(output.outcome.kind, "failure");
    assert.match(output.outcome.kind === "failure" ? output.outcome.reason : "", /drawer0_slide out 0\.000 m/);
    const steps = output.events.filter((e) => e.event === "step");
    assert.equal(steps.length, output.steps);
    assert.deepEqual(
      steps.map((e) => e.index),
      steps.map((_, i) => i),
    );
    const logs = output.events.flatMap((e) => (e.event === "log" ? e.lines : []));
    const down = logs.find((l) => l.startsWith("down"))?.split(" ");
    assert.equal(down?.[1], "true", "the hand arrived 8 cm lower");
    const moved = Number(down?.[2]);
    assert.ok(moved >= 3 && moved < 40, `the move took ${moved} steps`);
    assert.equal(output.steps, moved + 5 + 3, "the move's steps, 5 gripper steps and 3 waits, nothing else");
    // the last 8 steps hold the arm (zero deltas) with the gripper closed
    for (const e of steps.slice(-8))
      assert.deepEqual((e as { action: number[] }).action.slice(0, 7), [0, 0, 0, 0, 0, 0, 1]);
    const tools = output.events.filter((e) => e.event === "tool").map((e) => (e as { tool: string }).tool);
    assert.deepEqual(tools, ["kitchen.state", "kitchen.moveEef", "kitchen.gripper", "kitchen.wait"]);
    assert.equal(video?.format, "rgb24");
    assert.equal(
      video?.format === "rgb24" ? video.frames.length : 0,
      output.steps + 1,
      "a frame per step and the reset's",
    );
  } finally {
    await station.close();
  }
});

test("at the step limit the script's next motion unwinds it, and the trial ends as out of steps, not as its error", async () => {
  const job = await scriptJob(
    `export default (ctx) => ({ episode() {
      const k = ctx.tools.kitchen;
      for (;;) { const s = k.state(); k.moveEef({ pos: [s.eePos[0], s.eePos[1], s.eePos[2] + 0.002] }); k.wait({ steps: 2 }); }
    } });\n`,
    { maxSteps: 25 },
  );
  const station = new TrialExecutor("sim-0");
  try {
    const { output } = await station.run(job);
    assert.equal(output.termination, "max_steps");
    assert.equal(output.steps, 25);
    assert.equal(output.outcome.kind, "failure");
    assert.match(output.outcome.kind === "failure" ? output.outcome.reason : "", /after 25 steps/);
    assert.ok(!output.events.some((e) => e.event === "policy-error"));
  } finally {
    await station.close();
  }
});

test("a script that throws is a policy error naming its line; one that never returns is stopped at its deadline", async () => {
  const station = new TrialExecutor("sim-0");
  try {
    const threw = await scriptJob(
      `export default (ctx) => ({ episode() {\n  ctx.tools.kitchen.wait({ steps: 4 });\n  throw new Error("no handle seen");\n} });\n`,
    );
    const a = (await station.run(threw)).output;
    assert.equal(a.outcome.kind, "policy-error");
    assert.match(a.outcome.kind === "policy-error" ? a.outcome.reason : "", /no handle seen.*\(at step 4\)/);
    const spin = await scriptJob(`export default () => ({ episode() { for (;;) {} } });\n`);
    const b = (await station.run({ ...spin, stepDeadlineMs: 2, maxSteps: 50 })).output;
    assert.equal(b.outcome.kind, "policy-error");
    assert.match(
      b.outcome.kind === "policy-error" ? b.outcome.reason : "",
      /did not finish its episode within 1500 ms \(at step 0\)/,
    );
  } finally {
    await station.close();
  }
});

test("a per-step policy gets a motion's next action; act() on a script and drive() outside one are refused", async () => {
  const station = new TrialExecutor("sim-0");
  try {
    const job = await scriptJob(
      `export default (ctx) => ({ act() {
        const k = ctx.tools.kitchen;
        const s = k.state();
        let refused = "";
        try { k.wait({ steps: 1 }); } catch (e) { refused = e.message; }
        console.log(refused);
        return k.moveEef({ pos: [s.eePos[0], s.eePos[1], s.eePos[2] - 0.05] }).action;
      } });\n`,
      { maxSteps: 3 },
    );
    const { output } = await station.run(job);
    assert.equal(output.termination, "max_steps");
    const logs = output.events.flatMap((e) => (e.event === "log" ? e.lines : []));
    assert.equal(logs.length, 3);
    assert.match(logs[0], /wait\(\) is for episode scripts/);
    const first = output.events.find((e) => e.event === "step") as { action: number[] };
    assert.equal(first.action.length, 12);
    assert.ok(first.action[2] < 0, "the hand's next step goes down");
  } finally {
    await station.close();
  }
});

test("oracle mode: the simulator's poses reach ctx.tools.oracle only there, under their own fingerprint, never in an evaluation", async () => {
  const source = `export default (ctx) => ({ episode() {
    console.log(Object.keys(ctx.tools).sort().join(","));
    if (ctx.tools.oracle) console.log(JSON.stringify(ctx.tools.oracle.joints("drawer")));
  } });\n`;
  const standard = await scriptJob(source, { maxSteps: 10 });
  const oracle = { ...standard, tools: "oracle" as const, evalFingerprint: evalFingerprint(TASK, { tools: "oracle" }) };
  assert.notEqual(oracle.evalFingerprint, standard.evalFingerprint);
  const station = new TrialExecutor("sim-0");
  try {
    const logsOf = async (job: typeof standard) =>
      (await station.run(job)).output.events.flatMap((e) => (e.event === "log" ? e.lines : []));
    assert.deepEqual(await logsOf(standard), ["kitchen,nn"]);
    const [names, joints] = await logsOf(oracle);
    assert.equal(names, "kitchen,nn,oracle");
    const [slide] = JSON.parse(joints) as { name: string; qpos: number; range: number[] }[];
    assert.equal(slide.name, "drawer0_slide");
    assert.equal(slide.qpos, 0, "the drawer starts shut");
    assert.ok(slide.range[1] > 0.25, "its travel is 0.55 of its depth");
    // a job whose fingerprint is the standard one cannot ask for the oracle
    await assert.rejects(station.run({ ...oracle, evalFingerprint: standard.evalFingerprint }), /fingerprint/);
  } finally {
    await station.close();
  }
  assert.deepEqual(fixedEvaluation(TASK), { seedStart: 0, episodes: 40, about: fixedEvaluation(TASK).about });
  assert.throws(() => fixedEvaluation(TASK, "oracle"), /refuses the oracle/);
  assert.throws(() => fixedEvaluation("pusht"), /no fixed evaluation list/);
});
