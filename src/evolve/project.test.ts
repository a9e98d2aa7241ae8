import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { setStill, writeStillOrSolveTemplate } from "../../test/support/research-template.js";
import { InvalidInputError } from "../core/errors.js";
import { RunStore } from "../rollout/store.js";
import * as gitws from "./git-workspace.js";
import { ResearchProject } from "./project.js";

const require = createRequire(import.meta.url);
describe("research project", () => {
  let root: string;
  let store: RunStore;
  let project: ResearchProject;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-research-"));
    writeStillOrSolveTemplate(path.join(root, "start"));
    store = RunStore.open(path.join(root, "store"));
    project = await ResearchProject.create(store, { name: "demo", task: "pusht", from: path.join(root, "start") });
  });
  after(() => {
    project.close();
    store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs a whole iteration: hypothesis, change, evaluation, keep; then a worse change is reverted and kept on a tag", async () => {
    const b = await project.createBranch("agent-1", { agent: "agent-1" });
    assert.ok(fs.existsSync(path.join(b.dir, "policy.ts")), "the branch has its own worktree");

    // the baseline must be measured before a change to it can be judged
    const base = await project.evaluateBranch({ branch: "agent-1", episodes: 8, agent: "agent-1" });
    assert.equal(base.successes, 0);
    assert.deepEqual([base.trials, base.valid], [8, true]);

    const h = await project.hypothesis(
      "agent-1",
      "Running the planner instead of standing still solves the task",
      "agent-1",
    );
    setStill(b.dir, false);
    const change = await project.commitChange("agent-1", "agent-1");
    assert.deepEqual(change.files, ["params.json"]);
    const evaluated = await project.evaluateBranch({ branch: "agent-1", episodes: 8, agent: "agent-1" });
    assert.equal(evaluated.commit, change.commit);
    assert.equal(evaluated.successes, 8);
    const kept = await project.decide("agent-1");
    assert.equal(kept.kept, true, kept.reason);
    assert.equal(kept.head, change.commit);
    assert.equal(kept.hypothesis, h.id);

    // a change back to standing still: clearly worse, reverted, and its commit stays reachable
    await project.hypothesis("agent-1", "Standing still is as good as planning on these seeds", "agent-1");
    setStill(b.dir, true);
    const worse = await project.commitChange("agent-1");
    await project.evaluateBranch({ branch: "agent-1", episodes: 8 });
    const reverted = await project.decide("agent-1");
    assert.equal(reverted.kept, false);
    assert.equal(reverted.head, change.commit, "the branch is back at the kept change");
    assert.equal(await gitws.resolveRef(project.repoDir, "reverted/h0002"), worse.commit);
    assert.equal(JSON.parse(fs.readFileSync(path.join(b.dir, "params.json"), "utf8")).still, false);

    // the search seeds continue per commit: the kept commit's next evaluation runs seeds 8.. not 0..
    const again = await project.evaluateBranch({ branch: "agent-1", episodes: 2 });
    const run = store.getRun(again.runId);
    assert.equal(run.seedStart, 8);
    assert.equal(again.pooled.trials, 10);

    // the ledger holds every step, failed iteration included, and its chain is intact
    const kinds = project.ledger.entries().map((e) => e.kind);
    assert.deepEqual(kinds, [
      "project",
      "branch",
      "evaluation",
      "hypothesis",
      "change",
      "evaluation",
      "decision",
      "hypothesis",
      "change",
      "evaluation",
      "decision",
      "evaluation",
    ]);
    assert.equal(project.ledger.verify().ok, true);
  });

  it("refuses what would bend the record: uncommitted edits, a second open hypothesis, deciding without evidence", async () => {
    const b = await project.createBranch("agent-2");
    await project.hypothesis("agent-2", "Planning instead of standing still raises success", "agent-2");
    await assert.rejects(
      project.hypothesis("agent-2", "A second idea before the first is decided"),
      /open hypothesis h\d+/,
    );
    // other bytes than agent-1's kept change, so no evidence is pooled with it (same files = same evidence)
    fs.writeFileSync(path.join(b.dir, "params.json"), '{ "still": false }\n');
    await assert.rejects(
      project.evaluateBranch({ branch: "agent-2", episodes: 2 }),
      /uncommitted changes \(params\.json\)/,
    );
    await project.commitChange("agent-2");
    await assert.rejects(project.decide("agent-2"), /has not been evaluated/);
    await project.evaluateBranch({ branch: "agent-2", episodes: 2 });
    // evidence is per policy (the commit's files): the baseline's 8 trials from agent-1, plus agent-1's 8 of its
    // reverted change, which had put the baseline's params.json back byte for byte
    const d = await project.decide("agent-2");
    assert.deepEqual([d.baseline.trials, d.candidate.trials, d.kept], [16, 2, true]);
    await assert.rejects(project.evaluateBranch({ branch: "nope", episodes: 1 }), InvalidInputError);
  });

  it("the ledger refuses edits and deletions, and verify finds a forged entry", () => {
    const file = project.ledger.file;
    assert.throws(() => project.ledger.append("prune", { reason: "x" } as never), /malformed/);
    // a raw write through SQLite is stopped by the append-only triggers
    const db = new (require("better-sqlite3"))(file);
    assert.throws(() => db.prepare("UPDATE entries SET body = '{}' WHERE seq = 1").run(), /append-only/);
    assert.throws(() => db.prepare("DELETE FROM entries WHERE seq = 1").run(), /append-only/);
    db.exec("DROP TRIGGER entries_no_update");
    db.prepare("UPDATE entries SET agent = 'mallory' WHERE seq = 1").run();
    db.close();
    const check = project.ledger.verify();
    assert.equal(check.ok, false);
    assert.match(check.problems.join("\n"), /entry 1 \(branch\) was changed after it was written/);
  });
});
