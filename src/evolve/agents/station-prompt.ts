/**
 * The prompt one station's coding agent starts with. It follows the protocol of the paper's per-station prompt
 * (Fig. 10; see shared/docs/enpire-paper.md §2.4): a goal stated as the task's success objective; the agent's own
 * branch off a shared baseline it never touches; peers' branches watched and what works borrowed from them through
 * git; its own work committed for the peers to see. In enpire the judge is fixed and reached only through the MCP
 * tools, and every hypothesis and decision is recorded there. The wording is ours.
 */
import { InvalidInputError } from "../../core/errors.js";

export interface StationPromptOptions {
  /** The task id with its version, e.g. "pusht@1". */
  taskId: string;
  /** The success objective, e.g. "a 100% success rate over every window of 50 consecutive episodes". */
  goal: string;
  /** This agent's branch, e.g. "agent-2/rl". */
  branch: string;
  /** The other agents' branches. */
  peers: readonly string[];
  /** The shared starting branch, e.g. "baseline". */
  baseline: string;
  /** The MCP tools enpire's server offers, by name (hypothesis, evaluate_branch, decide, borrow, …). */
  tools: readonly string[];
  /** The MCP server's name as configured for the CLI (default "enpire"). */
  mcpServer?: string;
  /** Appended under "Notes", e.g. the written summary carried over from an earlier task (paper §2.4). */
  notes?: string;
}

/** What each tool enpire is known to serve is for, in one line; tools not listed here are named without a hint. */
const TOOL_HINTS: Record<string, string> = {
  branch_create: "create your branch (its own git worktree) off the baseline",
  branches: "list the team's branches",
  hypothesis: "state one falsifiable hypothesis before you change anything for it",
  commit_change: "commit your edited files as the change that tests the open hypothesis",
  evaluate_branch: "run a budgeted evaluation of your branch's head commit (search seeds, or confirm on held-out ones)",
  decide: "keep or revert the open hypothesis, from the statistics rather than one lucky number",
  compare: "compare two branches or commits statistically",
  leaderboard: "see how every branch is doing, with confidence intervals",
  borrow: "reuse a peer's commit or branch on yours (cherry-pick, merge or adopt) and record where it came from",
  prune: "record that a branch stops getting trials because it is clearly behind",
  idea_tree: "see which ideas the team has tried, which raised the best success rate, and who borrowed from whom",
  recipes: "read the training recipes that have worked so far",
  diff: "see the change a hypothesis made, or any commit's",
  research_ledger: "read the team's record of hypotheses, evaluations and decisions",
  lit_search: "search the literature notes for techniques",
  tasks: "list the tasks",
  describe_task: "read the task's observation and action spaces and its fixed evaluation constants",
  runs: "list evaluation runs",
  show: "show one run: success rate, failed trials and why they failed",
  trial: "inspect one trial's record and events, to see how it failed",
};

function checkText(what: string, value: string): void {
  if (!value.trim()) throw new InvalidInputError(`${what} is empty`);
}

function checkRef(what: string, value: string): void {
  checkText(what, value);
  if (/\s/.test(value)) throw new InvalidInputError(`${what} "${value}" must not contain whitespace`);
}

/**
 * Builds the prompt for one station's agent.
 * @example
 * stationPrompt({ taskId: "pusht@1", goal: "a 100% success rate over every window of 50 consecutive episodes",
 *   branch: "agent-1/rl", peers: ["agent-2/bc"], baseline: "baseline", tools: ["hypothesis", "evaluate_branch", "decide"] });
 */
export function stationPrompt(o: StationPromptOptions): string {
  checkRef("taskId", o.taskId);
  checkText("goal", o.goal);
  checkRef("branch", o.branch);
  checkRef("baseline", o.baseline);
  for (const p of o.peers) checkRef("peer branch", p);
  if (o.branch === o.baseline) {
    throw new InvalidInputError(`the agent's branch must not be the baseline "${o.baseline}"; give it its own branch`);
  }
  if (o.peers.includes(o.branch) || o.peers.includes(o.baseline)) {
    throw new InvalidInputError(
      `peers (${o.peers.join(", ")}) must not include the agent's own branch or the baseline`,
    );
  }
  const tools = [...new Set(o.tools)];
  if (tools.length === 0) throw new InvalidInputError("tools is empty; pass the names of enpire's MCP tools");
  const server = o.mcpServer ?? "enpire";
  const has = (name: string) => tools.includes(name);

  const peers =
    o.peers.length > 0
      ? o.peers.map((p) => `\`${p}\``).join(", ")
      : "none yet (others may appear: list the branches now and then)";

  const create = has("branch_create")
    ? "create it with `branch_create`"
    : `create it with \`git switch -c ${o.branch} ${o.baseline}\``;
  const commit = has("commit_change")
    ? "commit it with `commit_change`, which makes the git commit for the open hypothesis"
    : "commit it with a message that says what it tries and why";
  const reuse = has("borrow")
    ? "reuse it with `borrow` (cherry-pick one commit, merge their branch, or adopt their files): it makes the git " +
      "change on your branch and records where it came from. Do not cherry-pick by hand, or the borrow goes unrecorded."
    : "cherry-pick the commit or merge their branch into yours, and record that reuse through the enpire tools, " +
      "naming the peer's branch and commit.";
  const record = (name: string, what: string) =>
    has(name) ? `${what} with \`${name}\`` : `${what} through the enpire tools`;

  const lines = [
    "# Station goal",
    "",
    `Improve the policy for task ${o.taskId} until it reaches ${o.goal}.`,
    "Work autonomously and keep going until the goal is met: nobody is at the keyboard to answer questions.",
    "",
    "# Your branch",
    "",
    `- You work only on \`${o.branch}\`, which starts from \`${o.baseline}\`. If it does not exist yet, ${create}.`,
    `- Never commit to \`${o.baseline}\`, never push to it, never rewrite it: every agent starts from it.`,
    `- Keep your work on your branch committed. If the repository has a remote, push your branch ` +
      `(\`git push origin ${o.branch}\`) and pull regularly, so peers see your work.`,
    "",
    "# Your peers",
    "",
    `Other agents work on their own branches off \`${o.baseline}\`: ${peers}.`,
    "- Look at their commits often (`git fetch` first if there is a remote, then `git log` and `git diff` against " +
      "their branches), and at how their evaluations went.",
    `- When a peer's change does better than yours, ${reuse}`,
    "- Share or drop ideas by their measured success rates, not by how promising they look.",
    "",
    "# How you work: one hypothesis at a time",
    "",
    `1. ${record("hypothesis", "Record the hypothesis")}, before you change anything for it.`,
    `2. Change the policy or training code in your worktree, then ${commit}.`,
    `3. ${record("evaluate_branch", "Evaluate the commit")}, and read the failed trials to see why they failed.`,
    `4. ${record("decide", "Record the decision, keep or revert,")}.`,
    "Record every hypothesis, including the ones that fail: the record is how the team learns.",
    "",
    "# The judge is fixed",
    "",
    `Evaluations happen only through the \`${server}\` MCP tools. The task's reset, verifier, success threshold, ` +
      "safety limits, seeds and scoring belong to enpire: never edit, copy around or imitate the evaluation, never " +
      "write results by hand, and never change what counts as a success. Results from anything else do not count.",
    "",
    `# The ${server} tools`,
    "",
    ...tools.map((t) => (TOOL_HINTS[t] ? `- \`${t}\`: ${TOOL_HINTS[t]}` : `- \`${t}\``)),
  ];
  if (o.notes?.trim()) lines.push("", "# Notes", "", o.notes.trim());
  return `${lines.join("\n")}\n`;
}
