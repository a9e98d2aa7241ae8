/**
 * Switching MuJoCo equality constraints on and off at run time. The WebAssembly build throws on reading d.eq_active
 * or m.eq_active0, so the flags are read and written through the state API (mj_getState / mj_setState with
 * mjSTATE_EQ_ACTIVE), which makes them part of MjScene.saveState's integration state as well.
 */
import type { MjScene } from "../../mujoco/scene.js";

type DoubleBufferLike = { GetView(): unknown; delete(): void };

/** Owns one buffer of the scene's eq_active flags; dispose() frees it (before the scene). */
export class EqSwitch {
  private readonly scene: MjScene;
  private readonly spec: number;
  private readonly buffer: DoubleBufferLike;
  private disposed = false;

  constructor(scene: MjScene) {
    this.scene = scene;
    const mj = scene.mj;
    this.spec = mj.mjtState.mjSTATE_EQ_ACTIVE.value;
    this.buffer = new mj.DoubleBuffer(Math.max(1, mj.mj_stateSize(scene.model, this.spec)));
  }

  /** The id of a named equality; throws when there is none. */
  id(name: string): number {
    const { mj, model } = this.scene;
    const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_EQUALITY.value, name);
    if (id < 0) throw new Error(`the scene has no equality named "${name}"`);
    return id;
  }

  /** Every equality's active flag, by equality id. */
  read(): boolean[] {
    this.check();
    const { mj, model, data } = this.scene;
    mj.mj_getState(model, data, this.buffer as never, this.spec);
    const view = this.buffer.GetView() as Float64Array;
    return Array.from(view.subarray(0, model.neq), (v) => v !== 0);
  }

  /** Sets the flags of some equalities (ids), leaving the others as they are. */
  set(changes: ReadonlyMap<number, boolean>): void {
    this.check();
    const { mj, model, data } = this.scene;
    mj.mj_getState(model, data, this.buffer as never, this.spec);
    const view = this.buffer.GetView() as Float64Array;
    for (const [id, on] of changes) {
      if (id < 0 || id >= model.neq) throw new Error(`no equality with id ${id} (the model has ${model.neq})`);
      view[id] = on ? 1 : 0;
    }
    mj.mj_setState(model, data, Array.from(view) as never, this.spec);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.buffer.delete();
  }

  private check(): void {
    if (this.disposed) throw new Error("this EqSwitch was disposed");
  }
}
