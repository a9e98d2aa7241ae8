/**
 * A cheap starting workspace for research tests: policy.ts follows params.json, either holding the pusher still
 * (never succeeds) or running the example heuristic (solves Push-T), so a change is plainly better or worse.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HAND_TUNED } from "../../examples/policies/pusht-heuristic.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function writeStillOrSolveTemplate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  // the research template's planner, at the example heuristic's hand-tuned values
  fs.cpSync(path.join(REPO, "templates", "pusht"), path.join(dir, "pusht"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "heuristic.ts"),
    `import { createPolicyWith } from "./pusht/policy.js";\nexport default () => createPolicyWith(${JSON.stringify(HAND_TUNED)});\n`,
  );
  setStill(dir, true);
  fs.writeFileSync(
    path.join(dir, "policy.ts"),
    [
      'import heuristic from "./heuristic.js";',
      'import params from "./params.json";',
      "const still = () => ({ act: (obs: readonly number[]) => [obs[0], obs[1]] });",
      "export default params.still ? still : heuristic;",
      "",
    ].join("\n"),
  );
}

/** Sets the template's one parameter in `dir` (a workspace or a branch's worktree). */
export function setStill(dir: string, still: boolean): void {
  fs.writeFileSync(path.join(dir, "params.json"), `${JSON.stringify({ still })}\n`);
}
