/**
 * Where a kitchen task's reference policy is, for the kitchen benches: its episode script (examples/scripts/<task>.ts)
 * when it has one, else its per-step tool policy (examples/policies/<task>-tools.ts), else none.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The task's reference script or policy (an absolute path), or null when it has none. */
export function kitchenReference(task: string): string | null {
  const candidates = [
    path.join(ROOT, "examples/scripts", `${task}.ts`),
    path.join(ROOT, "examples/policies", `${task}-tools.ts`),
  ];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}
