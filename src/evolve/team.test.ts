/**
 * A built-in team on the real Push-T template for a few seconds: every agent works on its own branch, every step is in
 * the ledger, and the team's result, report and charts are written. (The full demo, to the goal, is `enpire demo`.)
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { RunStore } from "../rollout/store.js";
import { builtinAgentRunner } from "./builtin/agent.js";
import { BASELINE } from "./builtin/param-space.js";
import { ResearchProject } from "./project.js";
import { runTeam, TEAM_FILE, type TeamEvent } from "./team.js";
import { writeTeamReport } from "./team-report.js";

let root: string;
let store: RunStore;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-team-"));
  store = RunStore.open(root);
});
after(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test("two built-in agents iterate on their own branches, and the team writes its result and report", async () => {
  const project = await ResearchProject.create(store, { name: "team", task: "pusht" });
  try {
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(project.repoDir, "params.json"), "utf8")),
      BASELINE,
      "the workspace starts from the template's weak baseline",
    );
    const events: TeamEvent[] = [];
    const team = await runTeam({
      project,
      kind: "builtin",
      size: 2,
      runner: builtinAgentRunner({ episodes: 6 }),
      budgetMin: 0.5,
      seed: 3,
      onEvent: (e) => events.push(e),
    });
    assert.equal(team.size, 2);
    assert.ok(
      team.goal.reached || (team.wallMin > 0.49 && team.wallMin < 1.5),
      `stopped on budget: ${team.wallMin} min, goal ${JSON.stringify(team.goal)}`,
    );
    assert.deepEqual(
      events.filter((e) => e.kind === "error"),
      [],
      "no agent step was refused",
    );
    for (const agent of ["agent-1", "agent-2"]) {
      const decisions = project.ledger.of("decision").filter((d) => d.branch === agent);
      assert.ok(decisions.length >= 1, `${agent} decided at least one hypothesis`);
      for (const d of decisions) {
        // every decision follows the statistics it records
        assert.equal(d.body.decision === "keep", d.body.statistic === "keep");
        assert.ok(d.body.candidate.trials >= 6);
      }
    }
    // every change is a commit on the agent's branch that touches params.json only
    for (const c of project.ledger.of("change")) assert.deepEqual(c.body.files, ["params.json"]);
    assert.equal(project.ledger.verify().ok, true);
    assert.ok(team.mru > 0.2 && team.mru <= 1, `MRU ${team.mru}`);
    assert.equal(team.mtu, null, "the built-in agent uses no tokens");

    const saved = JSON.parse(fs.readFileSync(path.join(project.dir, TEAM_FILE), "utf8"));
    assert.equal(saved.agents.length, 2);
    const report = await writeTeamReport(project, team, path.join(project.dir, "report"));
    const md = fs.readFileSync(report.markdown, "utf8");
    assert.match(md, /## Leaderboard/);
    assert.match(md, /\| agent-1 \| \d+ \| \d+ \|/);
    assert.match(fs.readFileSync(report.ideaTree, "utf8"), /^<svg/);
    assert.match(fs.readFileSync(report.teamBest, "utf8"), /team-average best/);
  } finally {
    project.close();
  }
});
