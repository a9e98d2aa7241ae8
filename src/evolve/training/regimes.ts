/**
 * The training regimes a job runs (paper §2.2, §5.5), each from its data to its final trained actor:
 *   bc     behaviour cloning on recorded trials (successes by default) or a LeRobot export
 *   ibc    iterative BC (data aggregation): train → run the policy on the fleet → add its successful trials → retrain
 *   td3bc  offline RL (TD3+BC) on recorded trials of every outcome, rewards from their events
 *   sac    online RL through the rollout engine: the current actor explores on simulated stations, every episode a
 *          recorded run, its transitions go to the replay buffer, then SAC updates; with runs it starts from
 *          demonstrations (offline-to-online: a BC term on demonstration rows and a 50/50 offline/online batch mix)
 * Every trial a regime runs is an ordinary recorded run, so each online episode stays auditable. The algorithms
 * themselves are src/policy/train/*; this file only decides what data they see and when.
 */
import path from "node:path";
import type { TaskSpec } from "../../core/env.js";
import { EnpireError } from "../../core/errors.js";
import { BC_DEFAULTS, trainBC } from "../../policy/train/bc.js";
import { ReplayBuffer, SAC, SAC_DEFAULTS, type SACHyper, trainSACOffline } from "../../policy/train/sac.js";
import { TD3BC_DEFAULTS, trainTD3BC } from "../../policy/train/td3bc.js";
import type { Box, StepDataset, TrainProgress, TrainResult } from "../../policy/train/types.js";
import { datasetFromLeRobot, datasetFromRuns } from "../../rollout/dataset.js";
import { evaluate } from "../../rollout/evaluate.js";
import type { RunStore } from "../../rollout/store.js";
import type { Algorithm, TrainingJob, TrainRequest } from "./jobs.js";

/** The online loop's own knobs (SAC's are in src/policy/train/sac.ts); overridable through the request's hyper. */
export const SAC_ONLINE = Object.freeze({
  updatesPerStep: 1, // SAC updates per new online transition, when the request gives no steps per round
  capacity: 200_000, // online rows the replay buffer keeps (offline demonstrations are never evicted)
  offlineRatio: 0.5, // share of each batch drawn from demonstrations while there are some (RLPD's 50/50)
  offlineToOnlineBcWeight: 1, // bcWeight when starting from demonstrations, unless the request sets one
  offlineSteps: 2000, // SAC updates on the demonstrations alone before the first online round
  progressEvery: 100, // online updates between progress lines
});

/** What run-job.ts hands a regime: the request, the clock, and how to report, checkpoint and write policies. */
export interface RegimeContext {
  store: RunStore;
  request: TrainRequest;
  task: TaskSpec;
  dir: string;
  jobId: string;
  /** Epoch ms by which the job should be done. */
  deadline: number;
  signal?: AbortSignal;
  readonly job: TrainingJob;
  phase(text: string): void;
  update(patch: Partial<TrainingJob>): void;
  progress(p: TrainProgress, round?: number): void;
  /** Called after each training call, so that step counts go on across rounds. */
  endOfTraining(result: TrainResult): void;
  checkpoint(result: TrainResult, step: number): Promise<void>;
  writePolicy(
    dir: string,
    result: TrainResult,
    o: { explore?: boolean; seed?: number },
  ): Promise<{ policyFile: string; sha256: string }>;
}

export type Regime = (ctx: RegimeContext) => Promise<TrainResult>;

/** The first search seed of round k: the task's search range, offset by the job's seed so two jobs differ. */
function roundSeedStart(ctx: RegimeContext, round: number): number {
  const search = (ctx.task.evaluation.seeds as { search?: { start: number } } | undefined)?.search;
  return (search?.start ?? 0) + ctx.request.seed * 10_000 + round * ctx.request.episodesPerRound;
}

/** The data a request names, from runs (successes only unless allOutcomes) or a LeRobot folder; recorded in the job. */
async function loadData(ctx: RegimeContext, runs: string[], successOnly: boolean): Promise<StepDataset> {
  const images = ctx.request.net === "conv" ? { size: 96 as const } : undefined;
  if (ctx.request.lerobot !== null) {
    if (images) throw new EnpireError("a LeRobot export is read without images; train it with --net mlp");
    const l = await datasetFromLeRobot(ctx.request.lerobot);
    ctx.update({ data: { sources: [], lerobot: ctx.request.lerobot, size: l.dataset.size, sha256: l.sha256 } });
    ctx.phase(`data: ${l.episodes} episodes, ${l.dataset.size} steps from ${ctx.request.lerobot}`);
    return l.dataset;
  }
  const d = datasetFromRuns(ctx.store, runs, { successOnly, images });
  ctx.update({ data: { sources: d.sources, lerobot: null, size: d.dataset.size, sha256: d.sha256 } });
  const episodes = d.sources.reduce((n, s) => n + s.episodes, 0);
  ctx.phase(
    `data: ${episodes} episodes, ${d.dataset.size} steps from ${d.sources.length} runs (sha256 ${d.sha256.slice(0, 12)})`,
  );
  return d.dataset;
}

/** Options every trainer call takes: seed, this call's share of the budget, steps, progress and checkpoints. */
function trainOptions(ctx: RegimeContext, callsLeft: number, round?: number) {
  const r = ctx.request;
  const msLeft = Math.max(1, ctx.deadline - Date.now());
  return {
    seed: r.seed + (round ?? 0),
    budgetMs: msLeft / Math.max(1, callsLeft),
    ...(r.steps !== null && { steps: r.steps }),
    hyper: r.hyper,
    signal: ctx.signal,
    onProgress: (p: TrainProgress) => ctx.progress(p, round),
    ...(r.checkpointEvery !== null && {
      checkpointEvery: r.checkpointEvery,
      onCheckpoint: (result: TrainResult, step: number) => ctx.checkpoint(result, step),
    }),
  };
}

/** Runs a policy file on search seeds as a recorded run; returns its id and counts, recorded as a round. */
async function collect(
  ctx: RegimeContext,
  round: number,
  policyFile: string,
  dataSize: () => { size: number; sha256: string | null; added: number },
) {
  const seedStart = roundSeedStart(ctx, round);
  ctx.phase(`round ${round}: running ${ctx.request.episodesPerRound} episodes on search seeds from ${seedStart}`);
  const ev = await evaluate(ctx.store, {
    taskId: ctx.request.task,
    policyFile,
    episodes: ctx.request.episodesPerRound,
    seedStart,
    stations: ctx.request.stations,
    signal: ctx.signal,
  });
  const s = ev.summary;
  ctx.phase(`round ${round}: run ${ev.runId}: ${s.successes}/${s.episodes} successes`);
  return {
    runId: ev.runId,
    record: () => {
      const d = dataSize();
      ctx.update({
        rounds: [
          ...ctx.job.rounds,
          {
            round,
            runId: ev.runId,
            episodes: s.episodes,
            successes: s.successes,
            meanMaxReward: s.meanMaxReward,
            addedSteps: d.added,
            dataSize: d.size,
            dataSha256: d.sha256,
          },
        ],
      });
    },
  };
}

const bc: Regime = async (ctx) => {
  ctx.update({ hyperparameters: { ...BC_DEFAULTS, ...ctx.request.hyper, net: ctx.request.net } });
  const data = await loadData(ctx, ctx.request.runs, !ctx.request.allOutcomes);
  const result = await trainBC(data, { ...trainOptions(ctx, 1), net: ctx.request.net });
  ctx.endOfTraining(result);
  return result;
};

const ibc: Regime = async (ctx) => {
  const r = ctx.request;
  const runs = [...r.runs];
  ctx.update({ hyperparameters: { ...BC_DEFAULTS, ...r.hyper, net: r.net } });
  let data = await loadData(ctx, runs, !r.allOutcomes);
  for (let round = 0; ; round++) {
    const result = await trainBC(data, { ...trainOptions(ctx, r.rounds + 1 - round, round), net: r.net });
    ctx.endOfTraining(result);
    if (round >= r.rounds || ctx.signal?.aborted || Date.now() >= ctx.deadline) return result;
    const { policyFile } = await ctx.writePolicy(path.join(ctx.dir, "rounds", `round-${round}`), result, {});
    const before = data.size;
    const run = await collect(ctx, round, policyFile, () => ({
      size: data.size,
      sha256: ctx.job.data?.sha256 ?? null,
      added: data.size - before,
    }));
    runs.push(run.runId);
    try {
      data = await loadData(ctx, runs, !r.allOutcomes);
    } catch (err) {
      throw new EnpireError(`round ${round}: the data could not be rebuilt: ${(err as Error).message}`, { cause: err });
    }
    run.record();
  }
};

const td3bc: Regime = async (ctx) => {
  ctx.update({ hyperparameters: { ...TD3BC_DEFAULTS, ...ctx.request.hyper } });
  const data = await loadData(ctx, ctx.request.runs, false);
  const result = await trainTD3BC(data, trainOptions(ctx, 1));
  ctx.endOfTraining(result);
  return result;
};

export const REGIMES: Record<Algorithm, Regime> = { bc, ibc, td3bc, sac };

/** The observation box of a task's state space, from its declared bounds (dimensions in rad: 0..2π). */
function spaceBox(space: TaskSpec["observationSpace"], taskId: string): Box {
  if (space.kind !== "box") throw new EnpireError(`task ${taskId} has no flat state space for online RL`);
  const n = space.shape.reduce((a, b) => a * b, 1);
  const names = space.names ?? [];
  const rad = (i: number) => /\brad\b/.test(names[i] ?? "");
  return {
    low: Array.from({ length: n }, (_, i) => (rad(i) ? 0 : space.low)),
    high: Array.from({ length: n }, (_, i) => (rad(i) ? 2 * Math.PI : space.high)),
  };
}

async function sac(ctx: RegimeContext): Promise<TrainResult> {
  const r = ctx.request;
  const fromDemos = r.runs.length > 0 || r.lerobot !== null;
  const hyper = {
    ...SAC_DEFAULTS,
    // offline-to-online: the BC term on demonstration rows is on unless the request sets it
    ...(fromDemos && { bcWeight: SAC_ONLINE.offlineToOnlineBcWeight }),
    ...(r.hyper as Partial<SACHyper>),
  } as SACHyper; // the frozen defaults have literal types; any number is allowed
  ctx.update({ hyperparameters: { ...hyper, ...SAC_ONLINE } });
  const roundsTotal = r.rounds;
  let agent: SAC;
  let buffer: ReplayBuffer;
  const opts = trainOptions(ctx, roundsTotal + 1);
  const t0 = performance.now();
  let updates = 0; // online updates, over all rounds
  if (fromDemos) {
    const demos = await loadData(ctx, r.runs, !r.allOutcomes);
    ctx.phase(`offline start: SAC on the demonstrations, bcWeight ${hyper.bcWeight}`);
    const warm = await trainSACOffline(demos, {
      ...opts,
      hyper,
      steps: r.steps ?? SAC_ONLINE.offlineSteps,
      demo: true,
    });
    ctx.endOfTraining(warm);
    agent = warm.agent;
    buffer = warm.buffer; // the demonstrations stay as offline rows: batches mix them 50/50 with online rows
  } else {
    const obsBox = spaceBox(ctx.task.observationSpace, ctx.task.id);
    const actBox = spaceBox(ctx.task.actionSpace, ctx.task.id);
    agent = new SAC(obsBox.low.length, actBox.low.length, hyper, r.seed, { observation: obsBox, action: actBox });
    buffer = new ReplayBuffer(obsBox.low.length, actBox.low.length, {
      capacity: SAC_ONLINE.capacity,
      seed: r.seed + 1,
      offlineRatio: SAC_ONLINE.offlineRatio,
    });
  }
  for (let round = 0; round < roundsTotal; round++) {
    if (ctx.signal?.aborted || Date.now() >= ctx.deadline) break;
    const explorer = await ctx.writePolicy(path.join(ctx.dir, "rounds", `round-${round}`), agent.actorResult(), {
      explore: true,
      seed: r.seed * 1000 + round,
    });
    let added = 0;
    const run = await collect(ctx, round, explorer.policyFile, () => ({
      size: buffer.offlineSize + buffer.onlineSize,
      sha256: null,
      added,
    }));
    const online = datasetFromRuns(ctx.store, [run.runId]); // every outcome: RL learns from failures too
    buffer.add(online.dataset, { online: true });
    added = online.dataset.size;
    run.record();
    // updates this round: `steps`, else updatesPerStep per new transition, within this round's share of the budget
    const target = r.steps ?? Math.max(1, Math.round(online.dataset.size * SAC_ONLINE.updatesPerStep));
    const roundDeadline = Date.now() + (ctx.deadline - Date.now()) / (roundsTotal - round);
    let losses: Record<string, number> = {};
    for (let u = 0; u < target; u++) {
      if (ctx.signal?.aborted || Date.now() >= roundDeadline) break;
      losses = { ...agent.update(buffer.sample(hyper.batchSize)) };
      updates++;
      const last = u === target - 1;
      if (updates % SAC_ONLINE.progressEvery === 0 || last) {
        const elapsedMs = performance.now() - t0;
        const samples = updates * hyper.batchSize;
        ctx.progress(
          { algorithm: "sac", step: updates, samples, samplesPerS: (samples * 1000) / elapsedMs, elapsedMs, losses },
          round,
        );
      }
      if (r.checkpointEvery !== null && updates % r.checkpointEvery === 0) {
        await ctx.checkpoint(agent.actorResult(), updates);
      }
    }
  }
  const elapsedMs = performance.now() - t0;
  return agent.actorResult({
    steps: updates,
    samples: updates * hyper.batchSize,
    samplesPerS: elapsedMs > 0 ? (updates * hyper.batchSize * 1000) / elapsedMs : 0,
    elapsedMs,
  });
}
