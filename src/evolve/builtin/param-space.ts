/**
 * The built-in search agent's parameter space, read from a task template: `knobs.json` beside the template's
 * `params.json` holds one row per knob (unit, range, scale, meaning, and the words for what moving it up or down is
 * expected to do), checked with zod when it is read. Search happens in normalised coordinates u ∈ [0, 1]^d (log
 * scale where a knob spans decades), so one step size suits every knob; `decode` turns a point back into the numbers
 * params.json holds, and `describeChange` words a change as a falsifiable hypothesis.
 *
 * @example
 * const space = loadParamSpace("templates/pusht");
 * const child = space.decode(space.encode(BASELINE).map((u, i) => (space.knobs[i].name === "maxDepth" ? u + 0.2 : u)));
 * space.describeChange(BASELINE, child).summary; // "maxDepth 4 → 11.5 px"
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";

/** The file a template describes its knobs in, beside params.json. */
export const KNOBS_FILE = "knobs.json";
/** The file a template's policy reads its numbers from. */
export const PARAMS_FILE = "params.json";

/** One knob of params.json: where the search looks and what moving it means. */
export const KnobSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a knob's name is an identifier, as params.json's key"),
    unit: z.string().min(1), // e.g. "px/s", "N", "mm", "1" for a plain number
    min: z.number().finite(),
    max: z.number().finite(),
    /** "log" for knobs that span decades: equal steps in u are equal ratios of the value. */
    scale: z.enum(["linear", "log"]),
    /** Rounded to whole numbers when decoded. */
    integer: z.boolean(),
    /** One line: what the knob does in the policy. */
    meaning: z.string().min(1),
    /** What raising it is expected to do (a clause, e.g. "faster strokes take fewer actions per push"). */
    up: z.string().min(1),
    /** What lowering it is expected to do. */
    down: z.string().min(1),
  })
  .strict()
  .refine((k) => k.min < k.max, { message: "min must be below max" })
  .refine((k) => k.scale === "linear" || k.min > 0, { message: "a log-scale knob needs min > 0" })
  .refine((k) => !k.integer || (Number.isInteger(k.min) && Number.isInteger(k.max)), {
    message: "an integer knob needs whole-number bounds",
  });
export type Knob = z.infer<typeof KnobSchema>;

/** knobs.json: the knobs in params.json's order, and a free-text note. */
export const KnobsFileSchema = z
  .object({
    about: z.string().optional(), // what the file is, for a person opening it
    knobs: z.array(KnobSchema).min(1),
  })
  .strict()
  .refine((f) => new Set(f.knobs.map((k) => k.name)).size === f.knobs.length, {
    message: "knob names must be unique",
  });

/** A full set of values, as params.json holds them. */
export type Params = Record<string, number>;

/** Significant digits a decoded non-integer value keeps, so params.json and summaries stay readable. */
const SIGNIFICANT_DIGITS = 3;

/** A template's knobs and the maps between their values and the search's normalised coordinates. */
export class ParamSpace {
  readonly knobs: readonly Knob[];

  /** Checks the knobs as knobs.json would be checked; a bad one is refused naming the field. */
  constructor(knobs: readonly Knob[], source = "knobs") {
    this.knobs = Object.freeze(parseKnobs({ knobs }, source).map((k) => Object.freeze(k)));
  }

  /** Knob names in order, for messages. */
  names(): string {
    return this.knobs.map((k) => k.name).join(", ");
  }

  /**
   * A params object as a point in [0, 1]^d (knob order). Refuses a missing or non-finite value by name; values
   * outside a knob's range are clamped to it; keys that are not knobs are ignored.
   * @example space.encode(TUNED); // [0.54, 0.41, 0.72, 0.5, 0.34, 0.74, 0.38] (Push-T, rounded)
   */
  encode(params: object): number[] {
    return this.knobs.map((k) => {
      const v: unknown = (params as Record<string, unknown>)[k.name];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InvalidInputError(
          `params.${k.name} must be a finite number (${k.unit}, ${k.min}..${k.max}), got ${v}`,
        );
      }
      const c = Math.min(k.max, Math.max(k.min, v));
      const u = k.scale === "log" ? Math.log(c / k.min) / Math.log(k.max / k.min) : (c - k.min) / (k.max - k.min);
      return Math.min(1, Math.max(0, u));
    });
  }

  /**
   * The params a point in [0, 1]^d stands for: each coordinate clamped to [0, 1], mapped onto its knob's range,
   * rounded (whole numbers for integer knobs, 3 significant digits otherwise) and kept inside the range.
   * @example space.decode(space.encode(TUNED)); // TUNED
   */
  decode(u: readonly number[]): Params {
    if (u.length !== this.knobs.length) {
      throw new InvalidInputError(
        `a point has ${u.length} coordinates; the space has ${this.knobs.length} (${this.names()})`,
      );
    }
    const out: Params = {};
    this.knobs.forEach((k, i) => {
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
   * first ("strokeSpeed 40 → 120 px/s; maxDepth 4 → 11 px"), and a falsifiable hypothesis naming the knobs that
   * moved most, what each move is expected to do, and the measurable consequence.
   * @example space.describeChange(BASELINE, { ...BASELINE, maxDepth: 12 }).hypothesis
   * // "Deeper strokes move the block further per push, so fewer pushes reach the goal (maxDepth 4 → 12 px); if so,
   * //  success on the training seeds rises above the parent's."
   */
  describeChange(parent: object, child: object): { summary: string; hypothesis: string } {
    const up = this.encode(parent);
    const uc = this.encode(child);
    const value = (params: object, name: string) => (params as Record<string, number>)[name]; // encode checked it
    const moves = this.knobs
      .map((k, i) => ({ knob: k, from: value(parent, k.name), to: value(child, k.name), du: uc[i] - up[i] }))
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
}

/**
 * Checks parsed knobs.json content; a bad file is refused with the first problem's place, e.g.
 * `templates/x/knobs.json is not valid at "knobs.2.max": …`.
 */
export function parseKnobs(json: unknown, source = KNOBS_FILE): Knob[] {
  const parsed = KnobsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`${source} is not valid at "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  return parsed.data.knobs;
}

/**
 * The parameter space a template folder (or an agent's worktree copied from one) describes in knobs.json.
 * @example loadParamSpace(project.branchDir("agent-1")).names(); // "strokeSpeed, standoff, …" for Push-T
 */
export function loadParamSpace(dir: string): ParamSpace {
  const file = path.join(dir, KNOBS_FILE);
  if (!fs.existsSync(file)) {
    throw new InvalidInputError(
      `${dir} has no ${KNOBS_FILE}: the built-in agent searches the knobs a template describes there (see templates/pusht/${KNOBS_FILE})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new InvalidInputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return new ParamSpace(parseKnobs(json, file), file);
}

/** A folder's params.json, as an object of numbers (other values are left for the space's `encode` to refuse). */
export function readParams(dir: string): Params {
  const file = path.join(dir, PARAMS_FILE);
  const json: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new InvalidInputError(`${file} must hold an object of numbers`);
  }
  return json as Params;
}

/** A value as a person would write it: integers bare, others to 3 significant digits without trailing zeros. */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(SIGNIFICANT_DIGITS)));
}

/** Where task templates live (templates/<task>/), from src/ and from the built dist/ alike. */
export const TEMPLATES_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "templates");

/**
 * The weak baseline of the Push-T template, as its params.json holds it (about 20% success on seeds 0..49): the
 * default task's starting point, read from the template so the template stays the one place it is written.
 */
export const BASELINE: Readonly<Params> = Object.freeze(readParams(path.join(TEMPLATES_ROOT, "pusht")));
