/**
 * End-to-end: the `enpire` command as a user runs it, in a child process, against a fresh run store.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "cli");

function enpire(args: string[], opts: { store?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "src", "cli", "entry.ts"), ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: "utf8",
    env: { ...process.env, ENPIRE_HOME: opts.store ?? fs.mkdtempSync(path.join(os.tmpdir(), "enpire-cli-")) },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const newStore = () => fs.mkdtempSync(path.join(os.tmpdir(), "enpire-cli-"));

test("run records every trial, then runs and show find them", () => {
  const store = newStore();
  const r = enpire(
    ["run", "--policy", path.join(FIXTURES, "chase.js"), "--episodes", "3", "--seed-start", "5", "--json"],
    {
      store,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.summary.episodes, 3);
  assert.equal(out.run.status, "finished");
  assert.equal(out.run.taskId, "pusht");
  assert.match(r.stderr, /trials 3\/3/, "progress is shown on stderr");

  const trialsDir = path.join(store, out.run.dir, "trials");
  const names = fs.readdirSync(trialsDir).sort();
  assert.deepEqual(names, ["00000-seed-5", "00001-seed-6", "00002-seed-7"]);
  for (const name of names) {
    const result = JSON.parse(fs.readFileSync(path.join(trialsDir, name, "result.json"), "utf8"));
    const events = fs
      .readFileSync(path.join(trialsDir, name, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(events[0].event, "reset");
    assert.equal(events.at(-1).event, "verify");
    assert.equal(events.filter((e) => e.event === "step").length, result.steps);
    assert.equal(result.envStack.includes("pusht@1"), true);
  }
  // the policy's source as it ran is kept with the run
  assert.equal(
    fs.readFileSync(path.join(store, out.run.dir, "policy", "chase.js"), "utf8"),
    fs.readFileSync(path.join(FIXTURES, "chase.js"), "utf8"),
  );

  const runs = enpire(["runs"], { store });
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, new RegExp(out.run.id));
  const show = enpire(["show", out.run.id.slice(0, 20)], { store });
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /Wilson 95%/);
  assert.match(show.stdout, /seeds 5\.\.7/);
});

test("bad input gets one line naming what is wrong, and records nothing", () => {
  const store = newStore();
  const cases: [string[], RegExp][] = [
    [["run", "--task", "push-t"], /unknown task "push-t"; known tasks: (.*, )?pusht\b/],
    [["run", "--policy", "no/such/policy.ts"], /policy file "no\/such\/policy.ts" does not exist/],
    [["run", "--episodes", "0"], /--episodes must be a positive integer/],
    [["run", "--episodes", "ten"], /--episodes must be a non-negative integer, got "ten"/],
    [["run", "--seed-start", "4294967295", "--episodes", "2"], /run past 4294967295/],
    [["show", "nope"], /no run "nope"/],
    [["run", "--box", "0,0"], /--box must look like LOW:HIGH/],
    [["run", "--delta-cap", "40,x"], /--delta-cap must be a comma-separated list of numbers, got "40,x"/],
  ];
  for (const [args, message] of cases) {
    const r = enpire(args, { store });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(enpire(["runs", "--json"], { store }).stdout.trim(), "[]");
});

test("a policy that throws is recorded per trial; the run stops after three in a row", () => {
  const store = newStore();
  const r = enpire(["run", "--policy", path.join(FIXTURES, "throws.js"), "--episodes", "10", "--json"], { store });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^enpire: stopped after 3 trials in a row ended with a policy error; last: .*gripper map not calibrated/m,
  );
  const out = JSON.parse(r.stdout);
  assert.equal(out.summary.episodes, 3, "the three recorded trials are kept");
  assert.equal(out.summary.outcomes["policy-error"], 3);
  assert.equal(out.run.status, "failed");
  assert.match(out.failed[0].reason, /gripper map not calibrated \(at step 2\)/);
});

test("a policy that hangs is stopped by the step deadline", () => {
  const store = newStore();
  const t0 = Date.now();
  const r = enpire(
    ["run", "--policy", path.join(FIXTURES, "hangs.js"), "--episodes", "1", "--step-deadline-ms", "300", "--json"],
    { store },
  );
  assert.ok(Date.now() - t0 < 30_000);
  const out = JSON.parse(r.stdout);
  assert.equal(out.summary.outcomes["policy-error"], 1);
  assert.match(out.failed[0].reason, /300 ms/);
});

test("a NaN action ends the trial as a safety failure with its reason", () => {
  const r = enpire(["run", "--policy", path.join(FIXTURES, "nan.js"), "--episodes", "1", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.failed[0].outcomeKind, "safety");
  // the fixture answers NaN on its second act: step index 1, as in events.jsonl
  assert.match(out.failed[0].reason, /^safety stop at step 1: .*NaN/);
});

test("an action outside --box ends the trial as a safety stop naming the limit", () => {
  const r = enpire([
    "run",
    "--policy",
    path.join(FIXTURES, "chase.js"),
    "--episodes",
    "1",
    "--seed-start",
    "0",
    "--box",
    "0,0:512,300",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  // seed 0 puts the block at y = 381.6: chasing it commands a target below y = 300
  assert.equal(out.failed[0].outcomeKind, "safety");
  assert.match(out.failed[0].reason, /box is 0\.\.300/);
});

test("--video records an mp4 per trial", () => {
  const store = newStore();
  const r = enpire(
    ["run", "--policy", path.join(FIXTURES, "chase.js"), "--episodes", "1", "--video", "--video-size", "128", "--json"],
    { store },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const video = path.join(store, out.run.dir, "trials", "00000-seed-100000", "video.mp4");
  assert.ok(fs.statSync(video).size > 1000);
});

test("the installed bin answers (after the build the README's set-up runs)", {
  skip: !fs.existsSync(path.join(ROOT, "dist", "cli", "entry.js")) && "dist/ not built",
}, () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "enpire.js"), "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /run \[options\]/);
});

test("policy wrap: an ONNX model trained elsewhere becomes a policy that `enpire run` evaluates; a non-model is refused", async () => {
  const { mlpToOnnx } = await import("../src/policy/neural/onnx-export.js");
  const dir = newStore();
  // a chaser: the action (normalised) is the block's position (normalised over the 0..512 px observation bounds)
  const w = new Float32Array(10);
  w[2 * 2] = 1;
  w[3 * 2 + 1] = 1;
  const model = path.join(dir, "chaser.onnx");
  fs.writeFileSync(
    model,
    mlpToOnnx([{ weights: w, bias: new Float32Array(2), inDim: 5, outDim: 2, activation: "linear" }], {
      inputName: "obs",
      outputName: "action",
    }),
  );
  const out = path.join(dir, "chaser");
  const wrap = enpire(["policy", "wrap", model, "--out", out, "--normalize", "space", "--json"]);
  assert.equal(wrap.code, 0, wrap.stderr);
  assert.deepEqual(JSON.parse(wrap.stdout).inputs, [{ name: "obs", shape: [-1, 5] }]);

  const store = newStore();
  const run = enpire(
    ["run", "--policy", path.join(out, "policy.ts"), "--episodes", "1", "--seed-start", "3", "--json"],
    {
      store,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  const trial = path.join(store, JSON.parse(run.stdout).run.dir, "trials", "00000-seed-3", "events.jsonl");
  const events = fs
    .readFileSync(trial, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  let seen = events.find((e) => e.event === "reset").observation as number[]; // after reset, then each step
  for (const e of events.filter((x) => x.event === "step")) {
    assert.ok(Math.abs(e.action[0] - seen[2]) < 1e-3 && Math.abs(e.action[1] - seen[3]) < 1e-3, "it chases the block");
    seen = e.observation;
  }
  assert.ok(
    events.some((e) => e.event === "tool" && e.tool === "nn.runAll"),
    "inference calls are in the events",
  );

  const notModel = enpire(["policy", "wrap", path.join(ROOT, "README.md"), "--out", path.join(dir, "x")]);
  assert.equal(notModel.code, 2, notModel.stderr);
  assert.match(notModel.stderr, /does not load as an ONNX model/);
  const wrongWidth = enpire(["policy", "wrap", model, "--obs", "keypoints", "--out", path.join(dir, "y")]);
  assert.match(wrongWidth.stderr, /takes 5 numbers, but pusht's keypoints observation has 18/);
  assert.ok(!fs.existsSync(path.join(dir, "x")) && !fs.existsSync(path.join(dir, "y")), "nothing written");
});
