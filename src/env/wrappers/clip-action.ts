import type { Env } from "../../core/env.js";
import { describeMalformed } from "../../core/space.js";
import { boxActionSpace, type WrappedEnv, wrap } from "./wrap.js";

/**
 * Clips each element of a box action to the action space's bounds before the env sees it. A clipped action is normal
 * control, not a failure: the step's `info.clipped` is true when any element was moved.
 *
 * Only well-formed actions are clipped. A malformed one (wrong length, NaN, ±Infinity, not numbers) is passed on
 * untouched, because clipping would turn it into a plausible number; the safety wrapper outside this one stops the
 * trial on it instead (see withSafety).
 * @example
 * const env = clipAction(new PushT()); // action space 0..512 px
 * env.step([530, 40]).info.clipped;    // true: the env received [512, 40]
 */
export function clipAction<O, A>(env: Env<O, A>): WrappedEnv<O, A> {
  const space = boxActionSpace(env, "clip-action");
  const { low, high } = space;
  return wrap(
    env,
    "clip-action",
    { low, high },
    {
      step(action) {
        if (describeMalformed(action, space) !== undefined) return env.step(action);
        const values = action as ArrayLike<number>;
        let clipped: number[] | undefined;
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (v >= low && v <= high) continue;
          clipped ??= Array.from(values);
          clipped[i] = v < low ? low : high;
        }
        if (!clipped) return env.step(action);
        const result = env.step(clipped as A);
        return { ...result, info: { ...result.info, clipped: true } };
      },
    },
  );
}
