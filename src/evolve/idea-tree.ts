/**
 * The idea tree of a research project (paper App. B.6, Fig. 12), folded from its research ledger: one node per
 * decided hypothesis and per borrow, in lanes by branch; parent edges from the commit a change started from,
 * borrowed edges from the peer commit a recipe came from; the team-average best success rate over wall-clock time
 * (the mean over branches of each branch's best kept success rate so far, a step curve) and the ideas that raised it;
 * and the lineage of the best idea.
 *
 * A branch's result is the pooled search success rate of its kept head (where it started, a kept change, or a
 * borrowed commit), taken at each evaluation or decision once that commit has `minTrials` trials. Reverted changes
 * never count toward a branch's best, however lucky their numbers were.
 */
import type { CurvePoint, TeamRaise } from "./curves.js";
import { teamAverageBest } from "./curves.js";
import { BASELINE_BRANCH, type ResearchProject } from "./project.js";

export interface IdeaNode {
  id: string; // a hypothesis id ("h0007"), "borrow-<seq>" or "baseline"
  lane: string; // the branch
  agent: string | null;
  tMin: number; // minutes since the project started, when it was decided
  label: string; // the hypothesis, or what was borrowed
  hypothesis: string | null;
  commit: string; // the change's commit (a reverted one stays reachable under its tag)
  parentCommit: string | null;
  score: number | null; // the commit's pooled search success rate (null: never evaluated)
  trials: number;
  kept: boolean;
  gain: number; // rise of the team-average best it caused (0.108 = +10.8 pp)
  raisedTeamBest: boolean;
  onBestLineage: boolean;
  kind: "baseline" | "change" | "borrow";
}

export interface IdeaEdge {
  from: string;
  to: string;
  kind: "parent" | "borrowed";
}

export interface IdeaTree {
  lanes: string[]; // baseline first, then branches in creation order
  nodes: IdeaNode[];
  edges: IdeaEdge[];
  teamCurve: CurvePoint[]; // team-average best success (0..1) over minutes, a step curve
  raises: (TeamRaise & { node: string | null })[];
  best: { node: string; score: number; trials: number } | null;
  totalMin: number;
}

export interface Recipe {
  node: string;
  branch: string;
  agent: string | null;
  hypothesis: string;
  commit: string;
  files: string[];
  /** The change's success rate minus its parent's, when both were evaluated. */
  gain: number | null;
  score: number | null;
  trials: number;
  borrowedBy: string[]; // branches that took it
}

/** Folds the project's ledger into its idea tree. */
export function ideaTree(project: ResearchProject, opts: { minTrials?: number; now?: Date } = {}): IdeaTree {
  const minTrials = opts.minTrials ?? 10;
  const entries = project.ledger.entries();
  const t = (at: string) => project.minutesSince(at);
  const baselineCommit = project.manifest.baselineCommit;
  const lanes = [BASELINE_BRANCH];
  const nodes: IdeaNode[] = [];
  const edges: IdeaEdge[] = [];
  const nodeOfCommit = new Map<string, string>([[baselineCommit, "baseline"]]);
  const hypotheses = new Map<string, { text: string; parentCommit: string }>();
  const changes = new Map<string, { commit: string; at: string; lane: string; agent: string | null }>();
  // pooled stats per commit as the ledger goes, and each branch's kept head
  const pooled = new Map<string, { trials: number; successes: number }>();
  const keptHead = new Map<string, string>();
  const results: Record<string, CurvePoint[]> = {};
  const resultNode: { lane: string; t: number; node: string | null }[] = [];
  // evidence is pooled per git tree (the same files are the same policy), as ResearchProject.commitStats does
  const treeOf = new Map<string, string>([[baselineCommit, project.manifest.baselineTree]]);
  const key = (commit: string) => treeOf.get(commit) ?? commit;
  const rate = (c: string) => {
    const p = pooled.get(key(c));
    return p && p.trials > 0 ? p.successes / p.trials : null;
  };
  const record = (lane: string, at: string, node: string | null) => {
    const head = keptHead.get(lane);
    const p = head ? pooled.get(key(head)) : undefined;
    if (!head || !p || p.trials < minTrials || lane === BASELINE_BRANCH) return;
    results[lane].push({ t: t(at), y: p.successes / p.trials });
    resultNode.push({ lane, t: t(at), node: node ?? nodeOfCommit.get(head) ?? null });
  };

  /** Adds a node (its score, gain and lineage are filled in once the whole ledger is read) and its parent edge. */
  type NodeFields = Omit<IdeaNode, "score" | "trials" | "gain" | "raisedTeamBest" | "onBestLineage">;
  const addNode = (fields: NodeFields): void => {
    nodes.push({ ...fields, score: null, trials: 0, gain: 0, raisedTeamBest: false, onBestLineage: false });
    if (fields.parentCommit !== null) {
      edges.push({ from: nodeOfCommit.get(fields.parentCommit) ?? "baseline", to: fields.id, kind: "parent" });
    }
  };

  addNode({
    id: "baseline",
    lane: BASELINE_BRANCH,
    agent: null,
    tMin: 0,
    label: "baseline",
    hypothesis: null,
    commit: baselineCommit,
    parentCommit: null,
    kept: true,
    kind: "baseline",
  });
  keptHead.set(BASELINE_BRANCH, baselineCommit);

  for (const e of entries) {
    const lane = e.branch ?? BASELINE_BRANCH;
    switch (e.kind) {
      case "branch": {
        const body = e.body as { from: { commit: string } };
        lanes.push(lane);
        results[lane] = [];
        keptHead.set(lane, body.from.commit);
        break;
      }
      case "hypothesis": {
        const body = e.body as { id: string; text: string; parentCommit: string };
        hypotheses.set(body.id, body);
        break;
      }
      case "change": {
        const body = e.body as { hypothesis: string; commit: string; tree: string; files: string[] };
        changes.set(body.hypothesis, { commit: body.commit, at: e.at, lane, agent: e.agent });
        treeOf.set(body.commit, body.tree);
        // a peer may borrow a change before it is decided: the edge still finds its idea
        if (!nodeOfCommit.has(body.commit)) nodeOfCommit.set(body.commit, body.hypothesis);
        break;
      }
      case "evaluation": {
        const body = e.body as {
          commit: string;
          tree: string;
          purpose: string;
          valid: boolean;
          trials: number;
          successes: number;
        };
        treeOf.set(body.commit, body.tree);
        if (body.purpose !== "search" || !body.valid) break;
        const p = pooled.get(body.tree) ?? { trials: 0, successes: 0 };
        pooled.set(body.tree, { trials: p.trials + body.trials, successes: p.successes + body.successes });
        const held = keptHead.get(lane);
        if (held && key(held) === body.tree) record(lane, e.at, null);
        break;
      }
      case "decision": {
        const body = e.body as { hypothesis: string; decision: "keep" | "revert" };
        const h = hypotheses.get(body.hypothesis);
        const c = changes.get(body.hypothesis);
        if (!h || !c) break;
        const kept = body.decision === "keep";
        addNode({
          id: body.hypothesis,
          lane,
          agent: e.agent,
          tMin: t(e.at),
          label: h.text,
          hypothesis: h.text,
          commit: c.commit,
          parentCommit: h.parentCommit,
          kept,
          kind: "change",
        });
        if (kept) {
          nodeOfCommit.set(c.commit, body.hypothesis);
          keptHead.set(lane, c.commit);
          record(lane, e.at, body.hypothesis);
        }
        break;
      }
      case "borrow": {
        const body = e.body as {
          from: { branch: string; commit: string };
          method: string;
          commit: string;
          tree: string;
        };
        treeOf.set(body.commit, body.tree);
        const id = `borrow-${e.seq}`;
        const parent = keptHead.get(lane) ?? baselineCommit;
        addNode({
          id,
          lane,
          agent: e.agent,
          tMin: t(e.at),
          label: `${body.method} ${body.from.branch}@${body.from.commit.slice(0, 7)}`,
          hypothesis: null,
          commit: body.commit,
          parentCommit: parent,
          kept: true,
          kind: "borrow",
        });
        edges.push({ from: nodeOfCommit.get(body.from.commit) ?? "baseline", to: id, kind: "borrowed" });
        nodeOfCommit.set(body.commit, id);
        keptHead.set(lane, body.commit);
        record(lane, e.at, id);
        break;
      }
      default:
        break;
    }
  }

  // changes never decided (the team stopped first) are ideas too: shown as not kept
  const decided = new Set(nodes.map((n) => n.id));
  for (const [id, c] of changes) {
    const h = hypotheses.get(id);
    if (decided.has(id) || !h) continue;
    addNode({
      id,
      lane: c.lane,
      agent: c.agent,
      tMin: t(c.at),
      label: `${h.text} (not decided)`,
      hypothesis: h.text,
      commit: c.commit,
      parentCommit: h.parentCommit,
      kept: false,
      kind: "change",
    });
  }
  const ids = new Set(nodes.map((n) => n.id));
  for (const edge of edges) if (!ids.has(edge.from)) edge.from = "baseline";

  for (const n of nodes) {
    const p = pooled.get(key(n.commit));
    n.score = rate(n.commit);
    n.trials = p?.trials ?? 0;
  }

  const agents = lanes.filter((l) => l !== BASELINE_BRANCH);
  const totalMin = Math.max(t((opts.now ?? new Date()).toISOString()), ...nodes.map((n) => n.tMin), 0);
  let teamCurve: CurvePoint[] = [{ t: 0, y: 0 }];
  let raises: IdeaTree["raises"] = [];
  if (agents.length > 0) {
    const team = teamAverageBest(results, agents, { until: totalMin });
    teamCurve = team.curve;
    const used = new Set<number>();
    raises = team.raises.map((r) => {
      const i = resultNode.findIndex((x, k) => !used.has(k) && x.lane === r.agent && x.t === r.t);
      if (i >= 0) used.add(i);
      const node = i >= 0 ? resultNode[i].node : null;
      const n = nodes.find((x) => x.id === node);
      if (n) {
        n.gain += r.gain;
        n.raisedTeamBest = true;
      }
      return { ...r, node };
    });
  }

  // the best idea: the kept node with the highest pooled rate (enough trials), then its lineage back to the baseline
  const candidates = nodes.filter((n) => n.kept && n.kind !== "baseline" && n.trials >= minTrials && n.score !== null);
  candidates.sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || b.trials - a.trials);
  const bestNode = candidates[0] ?? null;
  if (bestNode) {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    let cur: IdeaNode | undefined = bestNode;
    const seen = new Set<string>();
    while (cur && !seen.has(cur.id)) {
      seen.add(cur.id);
      cur.onBestLineage = true;
      const id: string = cur.id;
      // a borrowed node's content came from its source: follow that edge
      const via =
        edges.find((x) => x.to === id && x.kind === "borrowed") ??
        edges.find((x) => x.to === id && x.kind === "parent");
      cur = via ? byId.get(via.from) : undefined;
    }
  }
  return {
    lanes,
    nodes,
    edges,
    teamCurve,
    raises,
    best: bestNode ? { node: bestNode.id, score: bestNode.score ?? 0, trials: bestNode.trials } : null,
    totalMin,
  };
}

/** Changes that worked (kept decisions and borrowed commits), most useful first, for agents to reuse. */
export function recipes(project: ResearchProject): Recipe[] {
  const hyps = new Map(project.ledger.of("hypothesis").map((h) => [h.body.id, h]));
  const changes = new Map(project.ledger.of("change").map((c) => [c.body.hypothesis, c.body]));
  const borrows = project.ledger.of("borrow");
  const out: Recipe[] = [];
  for (const d of project.ledger.of("decision")) {
    if (d.body.decision !== "keep") continue;
    const h = hyps.get(d.body.hypothesis);
    const c = changes.get(d.body.hypothesis);
    if (!h || !c) continue;
    const cand = project.commitStats(c.commit);
    const parent = project.commitStats(c.parentCommit);
    out.push({
      node: d.body.hypothesis,
      branch: d.branch ?? BASELINE_BRANCH,
      agent: d.agent,
      hypothesis: h.body.text,
      commit: c.commit,
      files: c.files,
      gain: cand.rate !== null && parent.rate !== null ? cand.rate - parent.rate : null,
      score: cand.rate,
      trials: cand.trials,
      borrowedBy: borrows.filter((b) => b.body.from.commit === c.commit).map((b) => b.branch ?? ""),
    });
  }
  return out.sort((a, b) => (b.gain ?? -1) - (a.gain ?? -1) || (b.score ?? -1) - (a.score ?? -1));
}
