/**
 * A small real research project for the UI's tests, built in a few seconds from the still-or-solve template: two
 * agents, a reverted idea (agent-2), a kept one that solves the seeds (agent-1), and agent-2 adopting agent-1's
 * recipe (a borrow), each evaluated on 10 search seeds so that branch results count toward the curves.
 */
import fs from "node:fs";
import path from "node:path";
import { ResearchProject } from "../../src/evolve/project.js";
import type { RunStore } from "../../src/rollout/store.js";
import { setStill, writeStillOrSolveTemplate } from "./research-template.js";

export interface SmallProject {
  name: string;
  good: string; // the kept hypothesis
  bad: string; // the reverted one
  borrow: string; // the borrow's idea-tree node
  goodText: string;
}

/** Builds the project in `store` (the template goes to `scratch`); the project is closed when this returns. */
export async function buildSmallProject(store: RunStore, scratch: string, name = "ui-research"): Promise<SmallProject> {
  const start = path.join(scratch, "start");
  writeStillOrSolveTemplate(start);
  const project = await ResearchProject.create(store, { name, task: "pusht", from: start });
  try {
    const a1 = await project.createBranch("agent-1", { agent: "agent-1" });
    const a2 = await project.createBranch("agent-2", { agent: "agent-2" });
    await project.evaluateBranch({ branch: "agent-1", episodes: 10, agent: "agent-1" }); // the baseline: 0/10

    const bad = await project.hypothesis(
      "agent-2",
      "Rewriting params.json with the same meaning changes nothing",
      "agent-2",
    );
    fs.writeFileSync(path.join(a2.dir, "params.json"), '{ "still": true }\n');
    await project.commitChange("agent-2", "agent-2");
    await project.evaluateBranch({ branch: "agent-2", episodes: 10, agent: "agent-2" });
    await project.decide("agent-2", { agent: "agent-2" });

    const goodText = "Planning strokes instead of standing still solves the seeds";
    const good = await project.hypothesis("agent-1", goodText, "agent-1");
    setStill(a1.dir, false);
    await project.commitChange("agent-1", "agent-1");
    await project.evaluateBranch({ branch: "agent-1", episodes: 10, agent: "agent-1" });
    await project.decide("agent-1", { agent: "agent-1" });

    await project.borrow("agent-2", { branch: "agent-1" }, "adopt", "agent-2");
    await project.evaluateBranch({ branch: "agent-2", episodes: 4, agent: "agent-2" });
    const seq = project.ledger.of("borrow")[0].seq;
    return { name, good: good.id, bad: bad.id, borrow: `borrow-${seq}`, goodText };
  } finally {
    project.close();
  }
}
