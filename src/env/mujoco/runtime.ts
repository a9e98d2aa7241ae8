/**
 * The MuJoCo runtime: the official WebAssembly build (`@mujoco/mujoco`), loaded once per thread. Each worker thread
 * loads its own copy (objects of two loads cannot be mixed), so nothing here is shared across threads.
 *
 * Call `await loadMujocoOnce()` before building a scene (the task registry's `prepareTask` does it for you); then
 * `mujoco()` hands the loaded module out synchronously. No top-level await, so CommonJS and tsx consumers can import
 * this file.
 */
import loadMujoco, { type MainModule } from "@mujoco/mujoco";

export type { MainModule } from "@mujoco/mujoco";

let loading: Promise<MainModule> | undefined;
let loaded: MainModule | undefined;

/**
 * Loads the WebAssembly module on the first call (about 0.2 s and 130 MB) and returns the same module after that.
 * A failed load is not memoised, so a later call tries again.
 * @example const mj = await loadMujocoOnce(); const m = mj.MjModel.from_xml_string(xml);
 */
export function loadMujocoOnce(): Promise<MainModule> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= loadMujoco().then(
    (mj) => {
      loaded = mj;
      return mj;
    },
    (err: unknown) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

/** Whether this thread has loaded MuJoCo (so `mujoco()` will not throw). */
export function isMujocoLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * The loaded module. Throws when `loadMujocoOnce()` has not finished on this thread yet.
 * @example await loadMujocoOnce(); const mj = mujoco();
 */
export function mujoco(): MainModule {
  if (!loaded) {
    throw new Error(
      "MuJoCo is not loaded on this thread yet: await loadMujocoOnce() (or the registry's prepareTask(taskId)) first",
    );
  }
  return loaded;
}
