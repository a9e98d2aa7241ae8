/**
 * The built-in search agent's parameter space for the Push-T template (templates/pusht/params.json): one table of
 * knobs, each with its unit, range, scale and meaning, and the words for what moving it up or down is expected to
 * do. Search happens in normalised coordinates u ∈ [0, 1]^d (log scale where a knob spans decades), so one step
 * size suits every knob; `decode` turns a point back into the numbers params.json holds.
 *
 * @example
 * const child = decode(encode(BASELINE).map((u, i) => (KNOBS[i].name === "maxDepth" ? u + 0.2 : u)));
 * describeChange(BASELINE, child).summary; // "maxDepth 4 → 11.5 px"
 */
import { InvalidInputError } from "../../core/errors.js";

export interface Knob {
  name: string;
  unit: string;
  min: number;
  max: number;
  /** "log" for knobs that span decades: equal steps in u are equal ratios of the value. */
  scale: "linear" | "log";
  /** Rounded to whole numbers when decoded. */
  integer: boolean;
  /** One line: what the knob does in the policy. */
  meaning: string;
  /** What raising it is expected to do (a clause, e.g. "faster strokes take fewer actions per push"). */
  up: string;
  /** What lowering it is expected to do. */
  down: string;
}

/** The knobs, in params.json's order. The policy reads each from params.json (templates/pusht/README.md). */
export const KNOBS = [
  {
    name: "strokeSpeed",
    unit: "px/s",
    min: 20,
    max: 3000,
    scale: "log",
    integer: true,
    meaning: "the pusher's top speed during a stroke; a stroke takes the fewest actions (2..8) that stay under it",
    up: "faster strokes take fewer actions per push, so more pushes fit in the 300-step horizon",
    down: "slower strokes hit the block more gently, so pushes land closer to the planner's prediction",
  },
  {
    name: "standoff",
    unit: "px",
    min: 2,
    max: 30,
    scale: "log",
    integer: false,
    meaning: "gap between the pusher's edge and the T's outline where a stroke starts",
    up: "starting strokes further from the outline leaves room for tracking error before contact",
    down: "starting strokes closer to the outline spends fewer actions before contact",
  },
  {
    name: "maxDepth",
    unit: "px",
    min: 2,
    max: 400,
    scale: "log",
    integer: false,
    meaning: "how far past first contact the deepest candidate stroke goes; all 13 candidate depths scale with it",
    up: "deeper strokes move the block further per push, so fewer pushes reach the goal",
    down: "shallower strokes make finer corrections near the goal",
  },
  {
    name: "costFloor",
    unit: "px²",
    min: 0.01,
    max: 100,
    scale: "log",
    integer: false,
    meaning: "added to the pose cost (mean squared corner error) before the planner takes its log",
    up: "a higher cost floor stops the planner chasing sub-pixel error and favours large moves",
    down: "a lower cost floor makes the planner value fine corrections near the goal",
  },
  {
    name: "waypointOffset",
    unit: "px",
    min: 15,
    max: 60,
    scale: "log",
    integer: false,
    meaning: "how far outside the T's hull the detour corners sit when the pusher travels around the block",
    up: "wider detours keep the pusher off the block while it travels, so fewer plans are spoiled",
    down: "tighter detours shorten the trips to each stroke's start",
  },
  {
    name: "travelSpeed",
    unit: "px/s",
    min: 50,
    max: 5000,
    scale: "log",
    integer: true,
    meaning: "the pusher's top speed on the last straight leg to a stroke's start",
    up: "faster travel reaches each stroke's start in fewer actions",
    down: "slower travel arrives at each stroke's start more steadily",
  },
  {
    name: "driftTolerance",
    unit: "px",
    min: 0.05,
    max: 20,
    scale: "log",
    integer: false,
    meaning: "how far the block may move (turns count at a 50 px arm) during travel before the plan is re-made",
    up: "a looser drift tolerance drops fewer plans over small nudges",
    down: "a tighter drift tolerance re-plans as soon as the block is nudged",
  },
] as const satisfies readonly Knob[];

export type KnobName = (typeof KNOBS)[number]["name"];
/** A full set of values, as params.json holds them. */
export type PushTParams = Record<KnobName, number>;

/**
 * The weak baseline the search starts from (templates/pusht/params.json): a timid policy with tiny, slow pushes,
 * slow travel, tight detours and a close standoff. About 20% success on seeds 0..49.
 */
export const BASELINE: PushTParams = {
  strokeSpeed: 40,
  standoff: 3,
  maxDepth: 4,
  costFloor: 1,
  waypointOffset: 17,
  travelSpeed: 120,
  driftTolerance: 0.5,
};

/**
 * The hand-tuned values of examples/policies/pusht-heuristic.ts (100% on seeds 0..199 and 100000..100049): with
 * these the template behaves exactly as the example does.
 */
export const TUNED: PushTParams = {
  strokeSpeed: 300,
  standoff: 6,
  maxDepth: 90,
  costFloor: 1,
  waypointOffset: 24,
  travelSpeed: 1500,
  driftTolerance: 0.5,
};

/** Significant digits a decoded non-integer value keeps, so params.json and summaries stay readable. */
const SIGNIFICANT_DIGITS = 3;

/**
 * A params object as a point in [0, 1]^d (knob order as KNOBS). Refuses a missing or non-finite value by name;
 * values outside a knob's range are clamped to it.
 * @example encode(TUNED); // [0.54, 0.41, 0.72, 0.5, 0.34, 0.74, 0.38] (rounded)
 */
export function encode(params: Readonly<Record<string, number>>): number[] {
  return KNOBS.map((k) => {
    const v = params[k.name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InvalidInputError(`params.${k.name} must be a finite number (${k.unit}, ${k.min}..${k.max}), got ${v}`);
    }
    const c = Math.min(k.max, Math.max(k.min, v));
    const u = k.scale === "log" ? Math.log(c / k.min) / Math.log(k.max / k.min) : (c - k.min) / (k.max - k.min);
    return Math.min(1, Math.max(0, u));
  });
}

/**
 * The params a point in [0, 1]^d stands for: each coordinate clamped to [0, 1], mapped onto its knob's range,
 * rounded (whole numbers for integer knobs, 3 significant digits otherwise) and kept inside the range.
 * @example decode(encode(TUNED)); // TUNED
 */
export function decode(u: readonly number[]): PushTParams {
  if (u.length !== KNOBS.length) {
    throw new InvalidInputError(`a point has ${u.length} coordinates; the space has ${KNOBS.length} (${knobNames()})`);
  }
  const out = {} as PushTParams;
  KNOBS.forEach((k, i) => {
    if (!Number.isFinite(u[i]))
      throw new InvalidInputError(`coordinate ${i} (${k.name}) must be a finite number, got ${u[i]}`);
    const x = Math.min(1, Math.max(0, u[i]));
    const raw = k.scale === "log" ? k.min * (k.max / k.min) ** x : k.min + x * (k.max - k.min);
    const rounded = k.integer ? Math.round(raw) : Number(raw.toPrecision(SIGNIFICANT_DIGITS));
    out[k.name] = Math.min(k.max, Math.max(k.min, rounded));
  });
  return out;
}

/**
 * What a child changes relative to its parent, in words: a summary of every changed knob, largest normalised move
 * first ("strokeSpeed 40 → 120 px/s; maxDepth 4 → 11 px"), and a falsifiable hypothesis naming the knobs that moved
 * most, what each move is expected to do, and the measurable consequence.
 * @example describeChange(BASELINE, { ...BASELINE, maxDepth: 12 }).hypothesis
 * // "Deeper strokes move the block further per push, so fewer pushes reach the goal (maxDepth 4 → 12 px); if so,
 * //  success on the training seeds rises above the parent's."
 */
export function describeChange(
  parent: Readonly<PushTParams>,
  child: Readonly<PushTParams>,
): { summary: string; hypothesis: string } {
  const up = encode(parent);
  const uc = encode(child);
  const moves = KNOBS.map((k, i) => ({ knob: k as Knob, from: parent[k.name], to: child[k.name], du: uc[i] - up[i] }))
    .filter((m) => m.from !== m.to)
    .sort((a, b) => Math.abs(b.du) - Math.abs(a.du));
  if (moves.length === 0) {
    return {
      summary: "no change",
      hypothesis: "The same parameters again: success on fresh training seeds stays within noise of the parent's.",
    };
  }
  const change = (m: (typeof moves)[number]): string =>
    `${m.knob.name} ${formatValue(m.from)} → ${formatValue(m.to)} ${m.knob.unit}`;
  const summary = moves.map(change).join("; ");
  // Name the knobs that moved most: up to three, each at least half as far as the largest move.
  const named = moves.filter((m, i) => i < 3 && Math.abs(m.du) >= 0.5 * Math.abs(moves[0].du));
  const clauses = named.map((m) => `${m.to > m.from ? m.knob.up : m.knob.down} (${change(m)})`);
  const first = clauses[0].charAt(0).toUpperCase() + clauses[0].slice(1);
  const rest = clauses.slice(1);
  const others = moves.length - named.length;
  const tail = others > 0 ? `, with ${others} smaller change${others > 1 ? "s" : ""}` : "";
  return {
    summary,
    hypothesis: `${[first, ...rest].join("; and ")}${tail}; if so, success on the training seeds rises above the parent's.`,
  };
}

/** Knob names in order, for messages. */
export function knobNames(): string {
  return KNOBS.map((k) => k.name).join(", ");
}

/** A value as a person would write it: integers bare, others to 3 significant digits without trailing zeros. */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(SIGNIFICANT_DIGITS)));
}
