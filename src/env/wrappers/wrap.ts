import type { Env } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import type { BoxSpace } from "../../core/space.js";

/** The methods a wrapper may replace; whatever it leaves out is forwarded to the env it wraps. */
export type EnvOverrides<O, A> = Partial<Pick<Env<O, A>, "reset" | "observe" | "step" | "verify" | "close">>;

/** One layer of a wrapper stack: its name and the parameters it was built with (recorded, fingerprinted). */
export interface WrapperLayer {
  name: string;
  params: unknown;
}

/** An env with one wrapper around it. `inner` is the env it wraps, so a stack can be walked outside in. */
export interface WrappedEnv<O, A> extends Env<O, A> {
  readonly wrapper: WrapperLayer;
  readonly inner: Env<O, A>;
}

/**
 * Builds a wrapper: an env that forwards everything to `env` except the methods in `overrides`, and names itself in
 * the stack, so `env.name` reads e.g. "safety(clip-action(pusht@1))". The task spec is the wrapped env's own.
 * @example
 * const counted = wrap(env, "count-steps", {}, { step(action) { n++; return env.step(action); } });
 * counted.name; // "count-steps(pusht@1)"
 */
export function wrap<O, A>(
  env: Env<O, A>,
  name: string,
  params: unknown,
  overrides: EnvOverrides<O, A>,
): WrappedEnv<O, A> {
  const wrapped: WrappedEnv<O, A> = {
    spec: env.spec,
    name: `${name}(${env.name})`,
    wrapper: { name, params },
    inner: env,
    reset: overrides.reset ?? ((opts) => env.reset(opts)),
    observe: overrides.observe ?? (() => env.observe()),
    step: overrides.step ?? ((action) => env.step(action)),
    verify: overrides.verify ?? (() => env.verify()),
    close: overrides.close ?? (() => env.close()),
  };
  // render is optional (blind stations have none): a wrapper has it exactly when the env it wraps does
  const render = env.render;
  if (render) wrapped.render = (size) => render.call(env, size);
  // so are a 3D station's named cameras
  const cameraNames = env.cameraNames;
  if (cameraNames) wrapped.cameraNames = () => cameraNames.call(env);
  const renderCamera = env.renderCamera;
  if (renderCamera) wrapped.renderCamera = (camera, size) => renderCamera.call(env, camera, size);
  return wrapped;
}

/**
 * The wrapper layers of `env`, outermost first; an unwrapped env gives [].
 * @example wrapperStack(withSafety(new PushT())).map((l) => l.name) // ["safety", "clip-action"]
 */
export function wrapperStack<O, A>(env: Env<O, A>): WrapperLayer[] {
  const layers: WrapperLayer[] = [];
  let e: Env<O, A> = env;
  while (isWrapped(e)) {
    layers.push(e.wrapper);
    e = e.inner;
  }
  return layers;
}

function isWrapped<O, A>(env: Env<O, A>): env is WrappedEnv<O, A> {
  return "wrapper" in env && "inner" in env;
}

/** The env's action space, which must be a 1-D box for `wrapper` to make sense of it; refused otherwise. */
export function boxActionSpace<O, A>(env: Env<O, A>, wrapper: string): BoxSpace {
  const space = env.spec.actionSpace;
  if (space.kind !== "box" || space.shape.length !== 1) {
    const shape = space.kind === "box" ? `a box of shape [${space.shape.join(", ")}]` : "a dict";
    throw new InvalidInputError(
      `the ${wrapper} wrapper needs a 1-D box action space, but ${env.name} has ${shape}; ` +
        `wrap only envs whose actions are flat arrays of numbers`,
    );
  }
  return space;
}
