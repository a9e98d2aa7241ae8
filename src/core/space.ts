import { z } from "zod";

/**
 * Observation and action spaces. A box is a dense array of numbers with per-element bounds, in row-major order;
 * a dict is named sub-spaces (e.g. pixels + agent position).
 */
export const BoxSpaceSchema = z.object({
  kind: z.literal("box"),
  shape: z.array(z.number().int().positive()),
  low: z.number(), // one bound for every element; spaces here are uniform
  high: z.number(),
  dtype: z.enum(["float64", "float32", "uint8"]),
  names: z.array(z.string()).optional(), // one per element of a 1-D box, with units, e.g. "agentX px"
});
export type BoxSpace = z.infer<typeof BoxSpaceSchema>;

export const DictSpaceSchema = z.object({
  kind: z.literal("dict"),
  spaces: z.record(z.string(), BoxSpaceSchema),
});
export type DictSpace = z.infer<typeof DictSpaceSchema>;

export const SpaceSchema = z.union([BoxSpaceSchema, DictSpaceSchema]);
export type Space = z.infer<typeof SpaceSchema>;

/** Number of elements a box holds. */
export function boxSize(space: BoxSpace): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

/**
 * Describes why `value` is not a well-formed member of a 1-D box (wrong type, shape, NaN or infinite element),
 * or returns undefined when it is. Bounds are not checked here: clipping to the bounds is a wrapper's job.
 * @example describeMalformed([1, NaN], box) // "element 1 is NaN"
 */
export function describeMalformed(value: unknown, space: BoxSpace): string | undefined {
  const n = boxSize(space);
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) return `expected an array of ${n} numbers, got ${describeValue(value)}`;
  const arr = value as ArrayLike<unknown>;
  if (arr.length !== n) return `expected ${n} numbers (shape [${space.shape.join(", ")}]), got ${arr.length}`;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v !== "number") return `element ${i} is ${describeValue(v)}, not a number`;
    if (Number.isNaN(v)) return `element ${i} is NaN`;
    if (!Number.isFinite(v)) return `element ${i} is ${v}`;
  }
  return undefined;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}
