import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate } from "../../src/rollout/evaluate.js";
import { RunStore } from "../../src/rollout/store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");

/**
 * A fresh run store with two recorded Push-T runs to learn from: three solved episodes of the example heuristic
 * (seeds 0..2) and one failed episode of a policy that holds the pusher still (seed 5, the full horizon), which it
 * also writes as `still` (a policy file in the store's folder).
 */
export async function storeWithDemos(prefix: string) {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  const still = path.join(store.root, "still.js");
  fs.writeFileSync(still, "export default () => ({ reset() {}, act(o) { return [o[0], o[1]]; } });\n");
  const solved = await evaluate(store, { taskId: "pusht", policyFile: HEURISTIC, episodes: 3, seedStart: 0 });
  const failed = await evaluate(store, { taskId: "pusht", policyFile: still, episodes: 1, seedStart: 5 });
  return { store, still, solved, failed };
}
