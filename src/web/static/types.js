/**
 * JSDoc types of the JSON API's answers (src/web/README.md is the contract), for editors and readers; no code.
 *
 * @typedef {{
 *   id: string, task: { id: string, version: number }, status: string, policy: { name: string, sha256: string },
 *   evalFingerprint: string, createdAt: string,
 *   budget: { episodes: number, wallClockS: number | null, stationSeconds: number | null },
 *   trials: number, interrupted: number, successes: number, successRate: number | null,
 *   wilson95: { low: number, high: number } | null, meanMaxReward: number | null
 * }} RunRow
 *
 * @typedef {{
 *   index: number, seed: number, attempt: number, outcome: string, success: boolean, counted: boolean,
 *   reason: string | null, steps: number, maxReward: number, elapsedMs: number, station: string | null,
 *   startedAt: string | null, dir: string, video: string | null
 * }} TrialRow
 *
 * @typedef {{ id: string, mru: number | null, startMs: number[], ms: number[], index: number[], outcome: number[] }} Station
 *   one station's trials as columns, in start order: start (ms since timeline.t0Ms), duration, index, outcome code
 *
 * @typedef {{
 *   run: RunRow & { dir: string, seeds: { start: number, count: number }, options: Record<string, unknown> },
 *   curves: { window: number, rolling: (number | null)[], cumulative: number[], maxReward: number[] },
 *   passAtK: Record<string, number>, passAtKInContext: Record<string, number> | null,
 *   timeline: { t0Ms: number | null, spanMs: number, outcomes: string[] }, stations: Station[], fleetMru: number | null
 * }} RunDetail
 *
 * @typedef {{ index: number, t: number, reward: number, action: unknown, coverage?: number }} StepPoint
 */
export {};
