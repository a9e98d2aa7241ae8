import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bundledPolicy, pushtJob } from "../../test/support/trial-job.js";
import { TrialEventSchema } from "../core/trial.js";
import { TrialExecutor } from "./execute.js";
import { TrialOutputSchema } from "./job.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-execute-tools-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a tool-calling policy's calls reach the trial's events as timed tool events", async () => {
  const policy = await bundledPolicy(path.join(ROOT, "examples", "policies", "pusht-tools.ts"));
  const station = new TrialExecutor("sim-0");
  try {
    const { output } = await station.run(pushtJob(policy, { obsType: "pixels", seed: 3, maxSteps: 8 }));
    TrialOutputSchema.parse(output);
    assert.equal(output.outcome.kind, "failure", JSON.stringify(output.outcome));
    const tools = output.events.filter((e) => e.event === "tool");
    for (const e of output.events) TrialEventSchema.parse(JSON.parse(JSON.stringify(e)));
    // the example perceives, reads the goal, and picks one motion skill each step
    assert.equal(tools.filter((e) => e.tool === "pusht.perceive").length, 8);
    assert.equal(tools.filter((e) => e.tool === "pusht.goal").length, 8);
    for (const e of tools) {
      assert.ok(e.ok, JSON.stringify(e));
      assert.ok(e.ms >= 0 && e.ms < 1000, `${e.tool} took ${e.ms} ms`);
    }
    // each step's calls come just before its step event, stamped with its index and a time before it
    const steps = output.events.filter((e) => e.event === "step");
    for (const step of steps) {
      const mine = tools.filter((e) => e.index === step.index);
      assert.ok(mine.length >= 3, `step ${step.index}: ${mine.map((e) => e.tool)}`);
      assert.ok(
        mine.every((e) => e.t <= step.t),
        `step ${step.index}: tool calls before the step`,
      );
      const motion = mine.find((e) => e.tool !== "pusht.perceive" && e.tool !== "pusht.goal");
      const answer = motion?.result as { action: number[] } | undefined;
      assert.deepEqual(answer?.action, step.action, "the skill's action was taken");
    }
    const perceived = tools.find((e) => e.tool === "pusht.perceive")?.result as { block: { x: number } | null };
    assert.equal(typeof perceived.block?.x, "number", "perceive's answer is kept, summarised");
  } finally {
    await station.close();
  }
});

test("a state-observation policy's perception comes from the station's camera", async () => {
  const file = path.join(tmp, "camera.js");
  fs.writeFileSync(
    file,
    `export default (ctx) => ({ act(obs) {
      const seen = ctx.tools.pusht.perceive();
      console.log(JSON.stringify([Math.round(seen.block.x - obs[2]), Math.round(seen.block.y - obs[3])]));
      return [obs[0], obs[1]];
    } });\n`,
  );
  const station = new TrialExecutor("sim-0");
  try {
    const { output } = await station.run(pushtJob(await bundledPolicy(file), { seed: 4, maxSteps: 3 }));
    const logs = output.events.flatMap((e) => (e.event === "log" ? e.lines : []));
    assert.equal(logs.length, 3);
    for (const line of logs) {
      const [dx, dy] = JSON.parse(line) as number[];
      assert.ok(Math.hypot(dx, dy) < 8, `the camera's estimate is ${line} px off the state`);
    }
    assert.equal(output.events.filter((e) => e.event === "tool").length, 3);
  } finally {
    await station.close();
  }
});
