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
 * @typedef {{ id: string, mru: number | null, intervals: { startMs: number, endMs: number, index: number, result: string }[] }} Station
 *
 * @typedef {{
 *   run: RunRow & { dir: string, seeds: { start: number, count: number }, options: Record<string, unknown> },
 *   curves: { window: number, rolling: [number, number | null][], cumulative: [number, number][], maxReward: [number, number][] },
 *   passAtK: Record<string, number>, passAtKInContext: Record<string, number> | null,
 *   stations: Station[], fleetMru: number | null
 * }} RunDetail
 *
 * @typedef {{ index: number, t: number, reward: number, action: unknown, coverage?: number }} StepPoint
 */
export {};
