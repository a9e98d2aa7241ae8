import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { setStill, writeStillOrSolveTemplate } from "../../test/support/research-template.js";
import { RunStore } from "../rollout/store.js";
import { ideaTree, recipes } from "./idea-tree.js";
import { ResearchProject } from "./project.js";

let root: string;
let store: RunStore;
let project: ResearchProject;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-idea-tree-"));
  writeStillOrSolveTemplate(path.join(root, "start"));
  store = RunStore.open(path.join(root, "store"));
  project = await ResearchProject.create(store, { name: "tree", task: "pusht", from: path.join(root, "start") });
});
after(() => {
  project.close();
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test("two agents: a kept idea raises the team best, a failed one does not, a borrow is an edge and joins the lineage", async () => {
  const a1 = await project.createBranch("agent-1", { agent: "agent-1" });
  const a2 = await project.createBranch("agent-2", { agent: "agent-2" });
  await project.evaluateBranch({ branch: "agent-1", episodes: 4 }); // the shared baseline commit: 0/4

  // agent-2 tries an idea that changes nothing that matters: reverted
  await project.hypothesis("agent-2", "Rewriting params.json with the same meaning changes nothing", "agent-2");
  fs.writeFileSync(path.join(a2.dir, "params.json"), '{ "still": true }\n');
  await project.commitChange("agent-2");
  await project.evaluateBranch({ branch: "agent-2", episodes: 4 });
  const reverted = await project.decide("agent-2");
  assert.equal(reverted.kept, false);

  // agent-1's idea works: kept
  const good = await project.hypothesis(
    "agent-1",
    "Planning strokes instead of standing still solves the seeds",
    "agent-1",
  );
  setStill(a1.dir, false);
  await project.commitChange("agent-1");
  await project.evaluateBranch({ branch: "agent-1", episodes: 4 });
  assert.equal((await project.decide("agent-1")).kept, true);

  // agent-2 adopts agent-1's recipe, then measures it
  const borrow = await project.borrow("agent-2", { branch: "agent-1" }, "adopt", "agent-2");
  await project.evaluateBranch({ branch: "agent-2", episodes: 4 });

  const tree = ideaTree(project, { minTrials: 4 });
  assert.deepEqual(tree.lanes, ["baseline", "agent-1", "agent-2"]);
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const goodNode = byId.get(good.id);
  const badNode = byId.get(reverted.hypothesis);
  const borrowNode = tree.nodes.find((n) => n.kind === "borrow");
  assert.ok(goodNode && badNode && borrowNode);
  assert.deepEqual([goodNode.kept, goodNode.score, goodNode.raisedTeamBest], [true, 1, true]);
  assert.equal(goodNode.gain, 0.5, "one of two agents at 100%: the team average rises by 50 pp");
  assert.deepEqual([badNode.kept, badNode.raisedTeamBest, badNode.gain], [false, false, 0]);
  assert.equal(borrowNode.commit, borrow.commit);
  assert.equal(borrowNode.gain, 0.5, "the borrow brought agent-2 to 100% too");
  assert.ok(tree.edges.some((e) => e.kind === "borrowed" && e.from === good.id && e.to === borrowNode.id));
  assert.ok(tree.edges.some((e) => e.kind === "parent" && e.from === "baseline" && e.to === badNode.id));
  assert.equal(tree.teamCurve.at(-1)?.y, 1);
  assert.deepEqual(
    tree.raises.map((r) => r.node),
    [good.id, borrowNode.id],
  );
  // the best idea is the borrow (or the original, tied): either way the lineage runs through the original idea
  assert.ok(goodNode.onBestLineage);
  assert.ok(!badNode.onBestLineage);
  assert.equal(byId.get("baseline")?.onBestLineage, true);

  const rs = recipes(project);
  assert.equal(rs.length, 1);
  assert.equal(rs[0].node, good.id);
  assert.equal(rs[0].gain, 1);
  assert.deepEqual(rs[0].borrowedBy, ["agent-2"]);
});
