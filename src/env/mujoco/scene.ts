/**
 * MjScene: one MuJoCo model and its data, built from an MJCF string, owning every WebAssembly object it makes
 * (model, data, the DoubleBuffers for Jacobians, forces and state, the renderer) so nothing leaks: `dispose()` frees
 * them all and is idempotent, and a disposed scene refuses use with a clear error.
 *
 * It offers what tasks need and no more: named lookups (a missing name is an error naming it), copies of the live
 * arrays (qpos, qvel, ctrl, site and body poses, sensor data), `step(n)` / `forward()`, the exact integration state
 * (`saveState` / `restoreState` replay bit-exactly), contacts with geom names and normal forces, and site Jacobians.
 * Typed-array views of the WebAssembly heap go stale when the heap grows, so nothing here keeps one: each accessor
 * reads a fresh view.
 */
import type { DoubleBuffer, MainModule, MjData, MjModel } from "@mujoco/mujoco";
import { type RenderResult, SceneRenderer } from "./render/index.js";
import { mujoco } from "./runtime.js";

export type Vec3 = [number, number, number];

/** One contact between two geoms, as MuJoCo found it on the last step or forward. */
export interface Contact {
  geom1: number;
  geom2: number;
  name1: string; // geom names ("" for unnamed geoms)
  name2: string;
  body1: number;
  body2: number;
  dist: number; // m, negative when penetrating
  pos: Vec3; // world position of the contact point, m
  normal: Vec3; // unit normal in world coordinates, pointing from geom1 towards geom2
  normalForce: number; // N, ≥ 0
  /** Contact force on geom2 (equal and opposite on geom1), world frame, N. */
  force: Vec3;
}

/** The object kinds a name can be looked up for. */
export type MjObjectKind = "body" | "site" | "joint" | "geom" | "actuator" | "camera" | "sensor";

const OBJ_KIND: Record<MjObjectKind, string> = {
  body: "mjOBJ_BODY",
  site: "mjOBJ_SITE",
  joint: "mjOBJ_JOINT",
  geom: "mjOBJ_GEOM",
  actuator: "mjOBJ_ACTUATOR",
  camera: "mjOBJ_CAMERA",
  sensor: "mjOBJ_SENSOR",
};

/** A contact sensor as contactSensorNormalForce reads it: where its slots are and which contacts it matches. */
interface ContactSensorInfo {
  adr: number; // first sensordata index
  slots: number; // contacts it reports (MuJoCo's `num`)
  matches(geom1: number, geom2: number): boolean; // the sensor's matching rule, for contacts past its slots
}

// MuJoCo's contact sensor: data bits (mjtConDataField) and the reduce mode reported here
const CONTACT_DATA_FOUND_FORCE = 0b11; // data="found force"
const CONTACT_REDUCE_NONE = 0;

/**
 * A model and its data. Build with `MjScene.fromXml(xml)` after `await loadMujocoOnce()`.
 * @example
 * const scene = MjScene.fromXml(xml);
 * const start = scene.saveState();
 * scene.step(10);
 * scene.restoreState(start); // back exactly where it was
 * scene.dispose();
 */
export class MjScene {
  readonly mj: MainModule;
  private _model: MjModel | null;
  private _data: MjData | null;
  private readonly buffers: DoubleBuffer[] = [];
  private readonly ids = new Map<string, number>();
  private readonly stateSpec: number;
  private readonly stateBuffer: DoubleBuffer;
  private readonly forceBuffer: DoubleBuffer;
  private readonly jacp: DoubleBuffer;
  private readonly jacr: DoubleBuffer;
  private _renderer: SceneRenderer | null = null;
  private readonly contactSensors = new Map<number, ContactSensorInfo>();

  private constructor(mj: MainModule, model: MjModel) {
    this.mj = mj;
    this._model = model;
    this._data = new mj.MjData(model);
    this.stateSpec = mj.mjtState.mjSTATE_INTEGRATION.value;
    this.stateBuffer = this.buffer(mj.mj_stateSize(model, this.stateSpec));
    this.forceBuffer = this.buffer(6);
    this.jacp = this.buffer(3 * model.nv);
    this.jacr = this.buffer(3 * model.nv);
  }

  /** Compiles MJCF. Throws MuJoCo's compiler message (with the line) for a bad model. */
  static fromXml(xml: string): MjScene {
    const mj = mujoco();
    let model: MjModel;
    try {
      model = mj.MjModel.from_xml_string(xml);
    } catch (err) {
      throw new Error(`MuJoCo could not compile the scene: ${describeError(mj, err)}`);
    }
    const scene = new MjScene(mj, model);
    scene.forward();
    return scene;
  }

  get model(): MjModel {
    if (!this._model) throw new Error("this MjScene was disposed; build a new one (MjScene.fromXml)");
    return this._model;
  }

  get data(): MjData {
    if (!this._data) throw new Error("this MjScene was disposed; build a new one (MjScene.fromXml)");
    return this._data;
  }

  get disposed(): boolean {
    return this._model === null;
  }

  /** Simulated time, s. */
  get time(): number {
    return this.data.time;
  }

  /** The physics timestep, s. */
  get timestep(): number {
    return this.model.opt.timestep;
  }

  /** The id of a named object; throws naming the kind and the name when there is none. */
  id(kind: MjObjectKind, name: string): number {
    const key = `${kind}:${name}`;
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const objType = (this.mj.mjtObj as unknown as Record<string, { value: number }>)[OBJ_KIND[kind]].value;
    const id = this.mj.mj_name2id(this.model, objType, name);
    if (id < 0) throw new Error(`the scene has no ${kind} named "${name}"`);
    this.ids.set(key, id);
    return id;
  }

  /** The name of an object by id ("" when unnamed). */
  name(kind: MjObjectKind, id: number): string {
    const objType = (this.mj.mjtObj as unknown as Record<string, { value: number }>)[OBJ_KIND[kind]].value;
    return this.mj.mj_id2name(this.model, objType, id) ?? "";
  }

  /** Index of a joint's first position coordinate in qpos. */
  qposAdr(jointName: string): number {
    return (this.model.jnt_qposadr as Int32Array)[this.id("joint", jointName)];
  }

  /** Index of a joint's first velocity coordinate in qvel. */
  dofAdr(jointName: string): number {
    return (this.model.jnt_dofadr as Int32Array)[this.id("joint", jointName)];
  }

  /** Live view of qpos: write into it, then call forward(). Do not keep it across steps. */
  qposView(): Float64Array {
    return this.data.qpos as Float64Array;
  }
  qvelView(): Float64Array {
    return this.data.qvel as Float64Array;
  }
  ctrlView(): Float64Array {
    return this.data.ctrl as Float64Array;
  }

  /** Copies. */
  qpos(): Float64Array {
    return Float64Array.from(this.qposView());
  }
  qvel(): Float64Array {
    return Float64Array.from(this.qvelView());
  }
  ctrl(): Float64Array {
    return Float64Array.from(this.ctrlView());
  }
  sensordata(): Float64Array {
    return Float64Array.from(this.data.sensordata as Float64Array);
  }
  actuatorForce(): Float64Array {
    return Float64Array.from(this.data.actuator_force as Float64Array);
  }

  sitePos(site: string | number): Vec3 {
    const i = typeof site === "number" ? site : this.id("site", site);
    const v = this.data.site_xpos as Float64Array;
    return [v[3 * i], v[3 * i + 1], v[3 * i + 2]];
  }

  /** A site's orientation, row-major 3×3 (columns are the site's axes in world coordinates). */
  siteMat(site: string | number): number[] {
    const i = typeof site === "number" ? site : this.id("site", site);
    return Array.from((this.data.site_xmat as Float64Array).subarray(9 * i, 9 * i + 9));
  }

  bodyPos(body: string | number): Vec3 {
    const i = typeof body === "number" ? body : this.id("body", body);
    const v = this.data.xpos as Float64Array;
    return [v[3 * i], v[3 * i + 1], v[3 * i + 2]];
  }

  /** A body's orientation quaternion [w, x, y, z]. */
  bodyQuat(body: string | number): [number, number, number, number] {
    const i = typeof body === "number" ? body : this.id("body", body);
    const v = this.data.xquat as Float64Array;
    return [v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]];
  }

  /** A body's orientation, row-major 3×3. */
  bodyMat(body: string | number): number[] {
    const i = typeof body === "number" ? body : this.id("body", body);
    return Array.from((this.data.xmat as Float64Array).subarray(9 * i, 9 * i + 9));
  }

  /** Which body a geom belongs to. */
  geomBody(geom: number): number {
    return (this.model.geom_bodyid as Int32Array)[geom];
  }

  /** Advances the physics n timesteps. */
  step(n = 1): void {
    const { mj } = this;
    const m = this.model;
    const d = this.data;
    for (let i = 0; i < n; i++) mj.mj_step(m, d);
  }

  /** Recomputes everything derived from the state (poses, contacts, forces) without advancing time. */
  forward(): void {
    this.mj.mj_forward(this.model, this.data);
  }

  /** The full integration state (time, qpos, qvel, act, warm start, ctrl, applied forces, mocap, eq_active …). */
  saveState(): Float64Array {
    this.mj.mj_getState(this.model, this.data, this.stateBuffer, this.stateSpec);
    return Float64Array.from(this.stateBuffer.GetView() as Float64Array);
  }

  /** Puts back a state from saveState (of this scene's model) and recomputes derived quantities. */
  restoreState(state: Float64Array): void {
    const size = this.stateBuffer.GetElementCount();
    if (state.length !== size) {
      throw new Error(`state has ${state.length} numbers, this scene's integration state has ${size}`);
    }
    this.mj.mj_setState(this.model, this.data, state as unknown as number[], this.stateSpec);
    this.forward();
  }

  /**
   * The contacts of the last step/forward, with names and forces. Frees MuJoCo's copies as it goes.
   * `{ names: false }` leaves name1/name2 empty: the cheaper reading for every control step (e.g. a wrench).
   */
  contacts(opts: { names?: boolean } = {}): Contact[] {
    const withNames = opts.names ?? true;
    const { mj } = this;
    const m = this.model;
    const d = this.data;
    const n = d.ncon;
    if (n === 0) return [];
    const out: Contact[] = [];
    const vec = d.contact;
    try {
      for (let i = 0; i < n; i++) {
        const c = vec.get(i);
        if (!c) continue;
        try {
          mj.mj_contactForce(m, d, i, this.forceBuffer);
          const f = this.forceBuffer.GetView() as Float64Array;
          const fr = c.frame as Float64Array;
          const pos = c.pos as Float64Array;
          // the contact frame's rows are the normal and two tangents, in world coordinates
          const force: Vec3 = [0, 0, 0];
          for (let k = 0; k < 3; k++) {
            force[0] += f[k] * fr[3 * k];
            force[1] += f[k] * fr[3 * k + 1];
            force[2] += f[k] * fr[3 * k + 2];
          }
          out.push({
            geom1: c.geom1,
            geom2: c.geom2,
            name1: withNames ? this.name("geom", c.geom1) : "",
            name2: withNames ? this.name("geom", c.geom2) : "",
            body1: this.geomBody(c.geom1),
            body2: this.geomBody(c.geom2),
            dist: c.dist,
            pos: [pos[0], pos[1], pos[2]],
            normal: [fr[0], fr[1], fr[2]],
            normalForce: Math.max(0, f[0]),
            force,
          });
        } finally {
          c.delete();
        }
      }
    } finally {
      vec.delete();
    }
    return out;
  }

  /**
   * Sum of the normal forces (N) of the contacts whose two bodies `pair(body1, body2)` accepts: a cheap reading for
   * every substep (no names, one force per matching contact).
   */
  normalForceWhere(pair: (body1: number, body2: number) => boolean): number {
    const bodyOf = this.model.geom_bodyid as Int32Array;
    return this.normalForceOfGeoms((g1, g2) => pair(bodyOf[g1], bodyOf[g2]));
  }

  /**
   * The summed normal force (N) of the contacts a MuJoCo `contact` sensor matched on the last step or forward: the
   * per-substep force watch. MuJoCo matches and resolves the contacts inside the step, so this is one read of
   * sensordata instead of a walk over every contact. The sensor's data must be "found force" with reduce "none"
   * (robot.ts contactForceSensor writes one); when it found more contacts than it has slots, the sum is taken over
   * all of the step's contacts with the sensor's own matching rule instead, so the answer is exact either way.
   */
  contactSensorNormalForce(sensor: string | number): number {
    const id = typeof sensor === "number" ? sensor : this.id("sensor", sensor);
    const info = this.contactSensors.get(id) ?? this.describeContactSensor(id);
    const data = this.data.sensordata as Float64Array;
    const found = data[info.adr];
    if (found > info.slots) return this.normalForceOfGeoms(info.matches);
    let total = 0;
    for (let k = 0; k < found; k++) total += Math.max(0, data[info.adr + 4 * k + 1]);
    return total;
  }

  /**
   * A site's Jacobians at the current state: jacp (3 × nv, position) and jacr (3 × nv, rotation), row-major, as
   * copies. Needs kinematics and com positions up to date (after step/forward, or kinematics()).
   */
  siteJacobian(site: string | number): { jacp: Float64Array; jacr: Float64Array } {
    const i = typeof site === "number" ? site : this.id("site", site);
    this.mj.mj_jacSite(this.model, this.data, this.jacp, this.jacr, i);
    return {
      jacp: Float64Array.from(this.jacp.GetView() as Float64Array),
      jacr: Float64Array.from(this.jacr.GetView() as Float64Array),
    };
  }

  /** Positions only: body, site and com frames from qpos, enough for siteJacobian (cheaper than forward). */
  kinematics(): void {
    this.mj.mj_kinematics(this.model, this.data);
    this.mj.mj_comPos(this.model, this.data);
  }

  /** The model's camera names, in model order. */
  cameraNames(): string[] {
    return Array.from({ length: this.model.ncam }, (_, i) => this.name("camera", i));
  }

  /**
   * One camera's square frame now: RGB, and depth and segmentation when asked, with the camera's intrinsics and
   * OpenCV-frame extrinsics (render/README.md).
   */
  cameraFrame(camera: string, size: number, opts: { depth?: boolean; segmentation?: boolean } = {}): RenderResult {
    return this.renderer().render(this.data, {
      camera,
      width: size,
      height: size,
      rgb: true,
      depth: opts.depth ?? false,
      segmentation: opts.segmentation ?? false,
    });
  }

  /** The scene's software renderer (render/), made on first use and disposed with the scene. */
  renderer(): SceneRenderer {
    this._renderer ??= new SceneRenderer(this.mj, this.model);
    return this._renderer;
  }

  /** Renders one camera's RGB frame, width × height × 3 bytes. */
  renderRgb(camera: string | number, width: number, height: number): Uint8Array {
    const result = this.renderer().render(this.data, { camera, width, height, rgb: true });
    if (!result.rgb) throw new Error(`the renderer returned no RGB image for camera ${String(camera)}`);
    return result.rgb;
  }

  /** Frees every WebAssembly object this scene made. Safe to call twice. */
  dispose(): void {
    if (!this._model) return;
    this._renderer?.dispose();
    this._renderer = null;
    for (const b of this.buffers) b.delete();
    this.buffers.length = 0;
    this._data?.delete();
    this._model.delete();
    this._data = null;
    this._model = null;
    this.ids.clear();
    this.contactSensors.clear();
  }

  /** Sum of the normal forces of the contacts whose two geoms `pair` accepts. */
  private normalForceOfGeoms(pair: (geom1: number, geom2: number) => boolean): number {
    const { mj } = this;
    const m = this.model;
    const d = this.data;
    if (d.ncon === 0) return 0;
    let total = 0;
    const vec = d.contact;
    try {
      for (let i = 0; i < d.ncon; i++) {
        const c = vec.get(i);
        if (!c) continue;
        try {
          if (!pair(c.geom1, c.geom2)) continue;
          mj.mj_contactForce(m, d, i, this.forceBuffer);
          total += Math.max(0, (this.forceBuffer.GetView() as Float64Array)[0]);
        } finally {
          c.delete();
        }
      }
    } finally {
      vec.delete();
    }
    return total;
  }

  /** Checks that a sensor is a contact sensor contactSensorNormalForce can read, and keeps its layout. */
  private describeContactSensor(id: number): ContactSensorInfo {
    const m = this.model;
    const name = this.name("sensor", id) || `#${id}`;
    if (id < 0 || id >= m.nsensor || (m.sensor_type as Int32Array)[id] !== this.mj.mjtSensor.mjSENS_CONTACT.value) {
      throw new Error(`sensor ${name} is not a contact sensor`);
    }
    const [dataspec, reduce, slots] = (m.sensor_intprm as Int32Array).subarray(3 * id, 3 * id + 3);
    if (dataspec !== CONTACT_DATA_FOUND_FORCE || reduce !== CONTACT_REDUCE_NONE) {
      throw new Error(`contact sensor ${name} must have data="found force" and reduce="none"`);
    }
    const side = (type: number, objId: number, what: string): ((geom: number) => boolean) => {
      const obj = this.mj.mjtObj;
      if (type === obj.mjOBJ_UNKNOWN.value) return () => true;
      if (type === obj.mjOBJ_GEOM.value) return (g) => g === objId;
      const bodyOf = m.geom_bodyid as Int32Array;
      if (type === obj.mjOBJ_BODY.value) return (g) => bodyOf[g] === objId;
      if (type === obj.mjOBJ_XBODY.value) {
        const parent = m.body_parentid as Int32Array;
        return (g) => {
          for (let b = bodyOf[g]; ; b = parent[b]) {
            if (b === objId) return true;
            if (b === 0) return false;
          }
        };
      }
      throw new Error(`contact sensor ${name}: its ${what} side must be a geom, a body or a subtree`);
    };
    const a = side((m.sensor_objtype as Int32Array)[id], (m.sensor_objid as Int32Array)[id], "first");
    const b = side((m.sensor_reftype as Int32Array)[id], (m.sensor_refid as Int32Array)[id], "second");
    const info: ContactSensorInfo = {
      adr: (m.sensor_adr as Int32Array)[id],
      slots,
      matches: (g1, g2) => (a(g1) && b(g2)) || (a(g2) && b(g1)),
    };
    this.contactSensors.set(id, info);
    return info;
  }

  private buffer(n: number): DoubleBuffer {
    const b = new this.mj.DoubleBuffer(Math.max(1, n));
    this.buffers.push(b);
    return b;
  }
}

function describeError(mj: MainModule, err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "number") {
    const anyMj = mj as unknown as { getExceptionMessage?: (e: number) => [string, string] };
    if (anyMj.getExceptionMessage) {
      try {
        return anyMj.getExceptionMessage(err).join(": ");
      } catch {
        // fall through
      }
    }
  }
  return String(err);
}
