/**
 * The git side of a research project: the workspace repository of policy code an agent may edit (started from a
 * task's template on a `baseline` branch), and one git worktree per branch, so that many hypotheses run at once,
 * each in its own folder. Everything goes through simple-git (the git CLI underneath).
 *
 * Commits are made with the agent's name as author. Nothing is lost: a reverted commit is tagged before its branch
 * moves back, so it stays reachable (`git show <tag>`).
 */
import fs from "node:fs";
import path from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { EnpireError } from "../core/errors.js";

export class GitWorkspaceError extends EnpireError {}

export interface CommitInfo {
  commit: string;
  files: string[];
  insertions: number;
  deletions: number;
}

/** A git handle on `dir` that commits as `agent`. */
export function git(dir: string, agent = "enpire"): SimpleGit {
  const name = agent.replace(/[^\w.-]/g, "-");
  return simpleGit({
    baseDir: dir,
    config: [`user.name=${name}`, `user.email=${name}@enpire.local`, "commit.gpgsign=false", "core.autocrlf=false"],
  });
}

/** Creates the workspace repository at `repoDir` from `templateDir`, committed on `branch`. Returns the commit. */
export async function initRepo(repoDir: string, templateDir: string, branch: string): Promise<string> {
  if (!fs.existsSync(templateDir)) throw new GitWorkspaceError(`no template folder at ${templateDir}`);
  fs.mkdirSync(repoDir, { recursive: true });
  fs.cpSync(templateDir, repoDir, { recursive: true });
  const g = git(repoDir);
  await g.raw(["init", "--quiet", "--initial-branch", branch]);
  await g.add(["-A"]);
  await g.commit(`${branch}: the task's starting policy (${path.basename(templateDir)} template)`);
  return head(repoDir);
}

/** The commit checked out in `dir`. */
export async function head(dir: string): Promise<string> {
  return (await git(dir).revparse(["HEAD"])).trim();
}

/** The tree (the files) of a commit: two commits with the same tree hold the same policy. */
export async function treeOf(repoDir: string, commit: string): Promise<string> {
  return (await git(repoDir).revparse([`${commit}^{tree}`])).trim();
}

/** The commit a ref (branch, tag or commit) names, or null when it names none. */
export async function resolveRef(repoDir: string, ref: string): Promise<string | null> {
  try {
    return (await git(repoDir).revparse(["--verify", "--quiet", `${ref}^{commit}`])).trim() || null;
  } catch {
    return null;
  }
}

/** Adds a worktree at `dir` on a new branch `branch` starting at `from`. */
export async function addWorktree(repoDir: string, dir: string, branch: string, from: string): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await retryOnLock(() => git(repoDir).raw(["worktree", "add", "--quiet", "-b", branch, dir, from]));
}

/** Adds a worktree at `dir` with `commit` checked out and no branch (a snapshot). */
export async function addDetachedWorktree(repoDir: string, dir: string, commit: string): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await retryOnLock(() => git(repoDir).raw(["worktree", "add", "--quiet", "--detach", dir, commit]));
}

/** Files changed in `dir` and not committed (tracked or new), as `git status --porcelain` names them. */
export async function uncommitted(dir: string): Promise<string[]> {
  const status = await git(dir).status();
  return status.files.map((f) => f.path);
}

/** Commits everything in `dir` (new files included) as `agent`. Null when there is nothing to commit. */
export async function commitAll(dir: string, message: string, agent: string): Promise<CommitInfo | null> {
  const g = git(dir, agent);
  await g.add(["-A"]);
  const staged = await g.diffSummary(["--cached"]);
  if (staged.files.length === 0) return null;
  await g.commit(message);
  return {
    commit: await head(dir),
    files: staged.files.map((f) => f.file),
    insertions: staged.insertions,
    deletions: staged.deletions,
  };
}

/** Moves the branch checked out in `dir` back to `commit` (files included), tagging the old head first. */
export async function revertTo(dir: string, commit: string, tag: string): Promise<void> {
  const g = git(dir);
  await retryOnLock(() => g.raw(["tag", tag, "HEAD"]));
  await g.raw(["reset", "--quiet", "--hard", commit]);
}

/** Applies commit `commit` on the branch in `dir` (cherry-pick). A conflict is aborted and reported. */
export async function cherryPick(dir: string, commit: string, agent: string): Promise<string> {
  const g = git(dir, agent);
  try {
    await g.raw(["cherry-pick", "-x", commit]);
  } catch (err) {
    await g.raw(["cherry-pick", "--abort"]).catch(() => undefined);
    throw new GitWorkspaceError(
      `cherry-picking ${commit.slice(0, 8)} conflicts with this branch (${firstLine(err)}); try method "merge" or "adopt"`,
    );
  }
  return head(dir);
}

/** Merges `ref` into the branch in `dir`. A conflict is aborted and reported. */
export async function merge(dir: string, ref: string, message: string, agent: string): Promise<string> {
  const g = git(dir, agent);
  try {
    await g.raw(["merge", "--no-ff", "-m", message, ref]);
  } catch (err) {
    await g.raw(["merge", "--abort"]).catch(() => undefined);
    throw new GitWorkspaceError(`merging ${ref} conflicts with this branch (${firstLine(err)}); try method "adopt"`);
  }
  return head(dir);
}

/** Replaces the files of the branch in `dir` with those of `ref` and commits that. Null when they are the same. */
export async function adopt(dir: string, ref: string, message: string, agent: string): Promise<CommitInfo | null> {
  const g = git(dir, agent);
  await g.raw(["rm", "-r", "--quiet", "--cached", "--ignore-unmatch", "."]);
  await g.raw(["checkout", ref, "--", "."]);
  // files the branch has and `ref` lacks are now untracked: remove them so the tree is `ref`'s
  await g.raw(["clean", "-fdq"]);
  return commitAll(dir, message, agent);
}

/** The unified diff of `commit` against its first parent (or of `to` against `from`). */
export async function diff(repoDir: string, from: string, to?: string): Promise<string> {
  const g = git(repoDir);
  return to ? g.raw(["diff", from, to]) : g.raw(["show", "--format=%H%n%an%n%s%n", from]);
}

/** A file's text at a commit, or null when it has none there. */
export async function fileAt(repoDir: string, commit: string, file: string): Promise<string | null> {
  try {
    return await git(repoDir).raw(["show", `${commit}:${file}`]);
  } catch {
    return null;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n").find((l) => l.trim()) ?? "git failed";
}

/** git takes a lock on shared refs and worktree lists; two agents touching them at once retry briefly. */
async function retryOnLock<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= 20 || !/\.lock|could not lock|Unable to create/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 50 + 50 * attempt));
    }
  }
}
