import type { Env, SafetyStop, StepResult } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { type BoxSpace, boxSize, describeMalformed } from "../../core/space.js";
import { clipAction } from "./clip-action.js";
import { boxActionSpace, type WrappedEnv, wrap } from "./wrap.js";

/** Limits on the commanded action, one number per action element, in the element's own units (e.g. px). */
export interface SafetyLimits {
  /** Largest allowed |a_t − a_{t−1}| per element; the first action after a reset has nothing to compare with. */
  deltaCap?: readonly number[];
  /** Allowed range per element of the commanded action (e.g. the robot's workspace), inclusive. */
  box?: { low: readonly number[]; high: readonly number[] };
}

/**
 * Ends the trial as a failure when the commanded action is malformed, leaves `limits.box`, or changes by more than
 * `limits.deltaCap` in one step. The stopping step does not call the env's step: it returns the unchanged
 * observation, reward 0, `terminated: true` and `info.safety` (wrapper, kind, a reason such as
 * "x = 530 px, box is 0..512 px"). Until the next reset, further steps return the same stop. Nothing is repaired.
 *
 * Checks run in order: malformed (not an array, wrong length, a non-number, NaN, ±Infinity), then the box, then the
 * delta cap. Limits that do not fit the action space are refused here, before any trial runs.
 * @example
 * const env = safety(clipAction(new PushT()), { box: { low: [0, 0], high: [512, 512] } });
 * env.step([530, 40]).info.safety; // { wrapper: "safety", kind: "out-of-range", reason: "x = 530 px, box is 0..512 px" }
 */
export function safety<O, A>(env: Env<O, A>, limits: SafetyLimits = {}): WrappedEnv<O, A> {
  const space = boxActionSpace(env, "safety");
  checkLimits(limits, space, env.name);
  const labels = elementLabels(space);
  const shape = `${boxSize(space)} finite numbers${space.names ? ` [${space.names.join(", ")}]` : ""}`;
  let previous: number[] | undefined;
  let stopped: StepResult<O> | undefined;

  const stop = (kind: SafetyStop["kind"], reason: string): StepResult<O> => {
    stopped = {
      observation: env.observe(),
      reward: 0,
      terminated: true,
      truncated: false,
      info: { safety: { wrapper: "safety", kind, reason } },
    };
    return stopped;
  };

  return wrap(
    env,
    "safety",
    { deltaCap: limits.deltaCap ?? null, box: limits.box ?? null },
    {
      reset(opts) {
        previous = undefined;
        stopped = undefined;
        return env.reset(opts);
      },
      step(action) {
        if (stopped) return { ...stopped, observation: env.observe() };
        const malformed = describeMalformed(action, space);
        if (malformed !== undefined)
          return stop("malformed-action", `malformed action: ${malformed}; expected ${shape}`);
        const values = Array.from(action as ArrayLike<number>);
        if (limits.box) {
          const { low, high } = limits.box;
          for (let i = 0; i < values.length; i++) {
            if (values[i] >= low[i] && values[i] <= high[i]) continue;
            const { label, unit } = labels[i];
            return stop(
              "out-of-range",
              `${label} = ${fmt(values[i])}${unit}, box is ${fmt(low[i])}..${fmt(high[i])}${unit}`,
            );
          }
        }
        if (limits.deltaCap && previous) {
          for (let i = 0; i < values.length; i++) {
            const delta = Math.abs(values[i] - previous[i]);
            if (delta <= limits.deltaCap[i]) continue;
            const { label, unit } = labels[i];
            return stop(
              "delta-cap",
              `${label} moved ${fmt(delta)}${unit} in one step (${fmt(previous[i])} → ${fmt(values[i])}${unit}), ` +
                `cap is ${fmt(limits.deltaCap[i])}${unit} per step`,
            );
          }
        }
        previous = values;
        return env.step(action);
      },
    },
  );
}

/**
 * The standard stack, `safety(clip-action(env))`. Safety sits outside clipping on purpose: it must see the action
 * the policy commanded, so NaN or Infinity is stopped rather than clipped into a number, and a command outside the
 * box is a failure rather than quietly pulled back in. Whatever passes is then clipped to the action space.
 * @example withSafety(new PushT()).name // "safety(clip-action(pusht@1))"
 */
export function withSafety<O, A>(env: Env<O, A>, limits: SafetyLimits = {}): WrappedEnv<O, A> {
  return safety(clipAction(env), limits);
}

function checkLimits(limits: SafetyLimits, space: BoxSpace, envName: string): void {
  const n = boxSize(space);
  const refuse = (what: string) => {
    throw new InvalidInputError(`safety limits for ${envName}: ${what}`);
  };
  const checkList = (name: string, list: readonly number[], allowInfinite: boolean) => {
    if (list.length !== n) refuse(`${name} has ${list.length} numbers, but the action has ${n} elements`);
    list.forEach((v, i) => {
      if (typeof v !== "number" || Number.isNaN(v) || (!allowInfinite && !Number.isFinite(v)))
        refuse(`${name}[${i}] is ${String(v)}; it must be a ${allowInfinite ? "" : "finite "}number`);
    });
  };
  if (limits.deltaCap) {
    checkList("deltaCap", limits.deltaCap, false);
    limits.deltaCap.forEach((v, i) => {
      if (v < 0) refuse(`deltaCap[${i}] is ${v}; a cap must be >= 0`);
    });
  }
  if (limits.box) {
    checkList("box.low", limits.box.low, true);
    checkList("box.high", limits.box.high, true);
    limits.box.low.forEach((lo, i) => {
      const hi = limits.box?.high[i] ?? lo;
      if (lo > hi) refuse(`box.low[${i}] = ${lo} is above box.high[${i}] = ${hi}`);
    });
  }
}

/**
 * Space names read "label unit [notes]" ("targetX px", "blockAngle rad (0..2π)"): "targetX px" → { label: "targetX",
 * unit: " px" }. Without names, "element 0" and no unit.
 */
function elementLabels(space: BoxSpace): { label: string; unit: string }[] {
  return Array.from({ length: boxSize(space) }, (_, i) => {
    const [label, unit] = (space.names?.[i] ?? "").trim().split(/\s+/);
    return label ? { label, unit: unit ? ` ${unit}` : "" } : { label: `element ${i}`, unit: "" };
  });
}

/** Short, exact-enough numbers for reasons: 530, 0.25, 1.33333. */
function fmt(v: number): string {
  return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(6)));
}
