// Records a labelled snapshot set per 3D task (its heuristic and the hold policy, mid-trial snapshots at steps 15
// and 40) into a temporary store and evaluates the shipped pixel verifier on the held-out split: precision, recall,
// latency per task, then a last line of JSON. `npm run bench:verifier [episodes]` (default 10 per policy).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { evaluateVerifier, formatVerifierReport } from "../src/rollout/verifier/evaluate.js";
import { recordSnapshots } from "../src/rollout/verifier/record.js";

const episodes = Number(process.argv[2] ?? 10);
const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-verifier-"));
const out: Record<string, unknown> = {};
for (const task of ["pin-insertion", "gpu-insertion", "zip-tie-cut", "zip-tie-tie", "pusht-arm"]) {
  await recordSnapshots({
    taskId: task,
    policies: [`examples/policies/${task}-heuristic.ts`, "hold"],
    episodes,
    seedStart: 0,
    storeRoot: root,
    set: "bench",
    midSteps: task === "pusht-arm" ? [] : [15, 40], // pusht-arm's verify() moves the arm away: end snapshots only
  });
  const r = await evaluateVerifier({
    storeRoot: root,
    taskId: task,
    set: "bench",
    split: "heldout",
    verifierFile: `examples/verifiers/${task}.ts`,
  });
  process.stdout.write(`${formatVerifierReport(r)}\n\n`);
  out[task] = {
    snapshots: r.snapshots,
    precision: r.precision,
    recall: r.recall,
    accuracy: r.accuracy,
    p50_ms: r.latencyMs.p50,
    p95_ms: r.latencyMs.p95,
  };
}
fs.rmSync(root, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ tasks: out })}\n`);
