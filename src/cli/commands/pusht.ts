/**
 * `enpire pusht coverage | keypoints | replay`: JSON in on stdin, JSON out on stdout, for checking Push-T against
 * another implementation (e.g. the reference in Python) pose by pose and step by step. Each command is a thin
 * layer over an exported pure function, so tests call them without a process.
 */
import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { blockCoverage, coverageReward } from "../../env/tasks/pusht/coverage.js";
import { blockKeypoints } from "../../env/tasks/pusht/keypoints.js";
import { PushT } from "../../env/tasks/pusht/pusht.js";

const finite = z.number().finite();
const PosesSchema = z.array(z.tuple([finite, finite, finite])); // [[x px, y px, angle rad], ...]
const ReplaySchema = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    reset_to_state: z.tuple([finite, finite, finite, finite, finite]).optional(),
    actions: z.array(z.tuple([finite, finite])), // pusher targets [x, y] in px
  })
  .strict()
  .refine((r) => (r.seed === undefined) !== (r.reset_to_state === undefined), {
    message: 'give exactly one of "seed" and "reset_to_state"',
  });
export type ReplayRequest = z.infer<typeof ReplaySchema>;

/** One replay entry: the state observation, and the reward, coverage and termination that came with it. */
export interface ReplayEntry {
  obs: number[]; // [agentX, agentY, blockX, blockY, blockAngle]
  reward: number;
  coverage: number;
  terminated: boolean;
}

/**
 * Coverage of the goal for each block pose, with the block origin placed exactly at (x, y) and angle θ.
 * @example pushtCoverage([[256, 256, Math.PI / 4]]) // [1]
 */
export function pushtCoverage(input: unknown): number[] {
  return parse(PosesSchema, input, "[[x, y, angle], ...]").map(([x, y, angle]) => blockCoverage(x, y, angle));
}

/**
 * The 8 corners of the T (16 numbers, bar then stem) for each block pose [x, y, angle].
 * @example pushtKeypoints([[256, 256, Math.PI / 4]])[0].slice(0, 2) // [213.57…, 213.57…]
 */
export function pushtKeypoints(input: unknown): number[][] {
  return parse(PosesSchema, input, "[[x, y, angle], ...]").map(([x, y, angle]) =>
    Array.from(blockKeypoints(x, y, angle)),
  );
}

/**
 * Replays actions from a seed or a reset_to_state; entry 0 is the reset observation, entry i + 1 follows action i.
 * @example pushtReplay({ seed: 0, actions: [[256, 256]] }).length // 2
 */
export function pushtReplay(input: unknown): ReplayEntry[] {
  const req = parse(ReplaySchema, input, '{"seed": n | "reset_to_state": [5 numbers], "actions": [[x, y], ...]}');
  const env = new PushT();
  const first = req.seed !== undefined ? env.reset({ seed: req.seed }) : env.resetToState(req.reset_to_state!);
  const start = env.verify();
  const coverage0 = Number(start.metrics.coverage);
  const out: ReplayEntry[] = [
    { obs: first, reward: coverageReward(coverage0), coverage: coverage0, terminated: false },
  ];
  for (const action of req.actions) {
    const r = env.step(action);
    out.push({ obs: r.observation, reward: r.reward, coverage: Number(r.info.coverage), terminated: r.terminated });
  }
  env.close();
  return out;
}

/** Adds `enpire pusht coverage | keypoints | replay` to the program. */
export function registerPushtCommands(program: Command): void {
  const pusht = program
    .command("pusht")
    .description("Push-T tools: JSON on stdin, JSON on stdout (compare with the reference implementation)");
  pusht
    .command("coverage")
    .description("stdin [[x, y, angle], ...] block poses → stdout [coverage, ...] of the goal (256, 256, π/4)")
    .action(async () => writeJson(pushtCoverage(await readJsonStdin())));
  pusht
    .command("keypoints")
    .description("stdin [[x, y, angle], ...] block poses → stdout [[16 corner coordinates], ...]")
    .action(async () => writeJson(pushtKeypoints(await readJsonStdin())));
  pusht
    .command("replay")
    .description(
      'stdin {"seed": n | "reset_to_state": [5], "actions": [[x, y], ...]} → stdout [{obs, reward, coverage, terminated}, ...]',
    )
    .action(async () => writeJson(pushtReplay(await readJsonStdin())));
}

function parse<T>(schema: z.ZodType<T>, input: unknown, shape: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `input${issue.path.map((p) => `[${JSON.stringify(p)}]`).join("")}` : "input";
  throw new InvalidInputError(`${where}: ${issue.message}; expected ${shape}`);
}

async function readJsonStdin(): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) throw new InvalidInputError("stdin is empty; pipe a JSON document into the command");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`stdin is not valid JSON: ${(err as Error).message.replace(/\s+/g, " ")}`);
  }
}

function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
