/**
 * A MuJoCo scene as a live 3D view (env/scene-view.ts): the visible geoms of a model (shape, size, colour, group) and
 * their poses from its data, read straight from the raw arrays (`geom_type/size/rgba/group/matid`, `geom_xpos/xmat`).
 * Visible means what the software renderer draws (render/): not in a hidden group (3, 4 and 5 by default: collision
 * geoms), not alpha 0, and of a drawable type (plane, box, sphere, capsule, cylinder, ellipsoid; meshes, heightfields
 * and SDFs are left out). The colour is the geom's, or its material's when the geom kept MuJoCo's default grey, as the
 * renderer does. Creates no MuJoCo object.
 *
 * @example
 * const geometry = mujocoSceneGeometry(scene.model);          // once per env
 * const poses = mujocoScenePoses(scene.model, scene.data);    // after mj_forward / mj_step: 12 numbers per geom
 */
import type { MjData, MjModel } from "@mujoco/mujoco";
import { POSE_STRIDE, type SceneGeometry, type SceneGeomType } from "../scene-view.js";
import { RENDER_DEFAULTS } from "./render/scene-renderer.js";

/** Which geoms a view shows. */
export interface SceneViewOptions {
  /** Geom groups left out; the renderer's (3, 4, 5) by default. */
  hiddenGroups?: readonly number[];
}

/** mjtGeom values of the shapes a view draws, by their value. */
const GEOM_TYPES: Readonly<Record<number, SceneGeomType>> = Object.freeze({
  0: "plane",
  2: "sphere",
  3: "capsule",
  4: "ellipsoid",
  5: "cylinder",
  6: "box",
});

/** The visible geoms' ids per model and hidden-group set, so that poses need not re-read the model. */
const visibleCache = new WeakMap<MjModel, Map<string, Int32Array>>();

/** A geom's colour: its own, or its material's when it kept MuJoCo's default grey (0.5 0.5 0.5 1). */
function geomColour(model: MjModel, g: number): [number, number, number, number] {
  const rgba = model.geom_rgba as Float32Array;
  const mat = (model.geom_matid as Int32Array)[g];
  const own = rgba.subarray(4 * g, 4 * g + 4);
  const isDefault = own[0] === 0.5 && own[1] === 0.5 && own[2] === 0.5 && own[3] === 1;
  const from = mat >= 0 && isDefault ? (model.mat_rgba as Float32Array).subarray(4 * mat, 4 * mat + 4) : own;
  return [from[0], from[1], from[2], from[3]];
}

/** The ids of the geoms a view shows, in id order. */
export function visibleGeomIds(model: MjModel, opts: SceneViewOptions = {}): Int32Array {
  const hidden = opts.hiddenGroups ?? RENDER_DEFAULTS.hiddenGroups;
  const key = hidden.join(",");
  let perModel = visibleCache.get(model);
  const cached = perModel?.get(key);
  if (cached) return cached;
  const types = model.geom_type as Int32Array;
  const groups = model.geom_group as Int32Array;
  const ids: number[] = [];
  for (let g = 0; g < model.ngeom; g++) {
    if (GEOM_TYPES[types[g]] === undefined || hidden.includes(groups[g])) continue;
    if (geomColour(model, g)[3] === 0) continue;
    ids.push(g);
  }
  const out = Int32Array.from(ids);
  if (!perModel) {
    perModel = new Map();
    visibleCache.set(model, perModel);
  }
  perModel.set(key, out);
  return out;
}

/** A geom's name from the model's name buffer, or null when it has none. */
function geomName(model: MjModel, g: number): string | null {
  const names = model.names as Int8Array;
  const start = (model.name_geomadr as Int32Array)[g];
  let end = start;
  while (end < names.length && names[end] !== 0) end++;
  if (end === start) return null;
  return new TextDecoder().decode(new Uint8Array(names.buffer, names.byteOffset + start, end - start));
}

/**
 * The visible geoms of `model`: ids, names, shapes, MuJoCo sizes, colours and groups, in id order (the order of
 * mujocoScenePoses). Depends on the model only: call it once per env.
 */
export function mujocoSceneGeometry(model: MjModel, opts: SceneViewOptions = {}): SceneGeometry {
  const types = model.geom_type as Int32Array;
  const sizes = model.geom_size as Float64Array;
  const groups = model.geom_group as Int32Array;
  const geoms = Array.from(visibleGeomIds(model, opts), (g) => ({
    id: g,
    name: geomName(model, g),
    type: GEOM_TYPES[types[g]],
    size: [sizes[3 * g], sizes[3 * g + 1], sizes[3 * g + 2]] as [number, number, number],
    rgba: geomColour(model, g),
    group: groups[g],
  }));
  return { schema: "enpire.scene-geometry/1", geoms };
}

/**
 * Where the visible geoms are in `data` (as of its last mj_forward or mj_step): per geom, in mujocoSceneGeometry's
 * order, its position x, y, z (m) and rotation matrix row-major (world from geom). Written into `out` when it is
 * given and the right length (no allocation), else into a new array.
 */
export function mujocoScenePoses(
  model: MjModel,
  data: MjData,
  out?: Float32Array,
  opts: SceneViewOptions = {},
): Float32Array {
  const ids = visibleGeomIds(model, opts);
  const poses = out && out.length === ids.length * POSE_STRIDE ? out : new Float32Array(ids.length * POSE_STRIDE);
  const xpos = data.geom_xpos as Float64Array;
  const xmat = data.geom_xmat as Float64Array;
  for (let i = 0; i < ids.length; i++) {
    const g = ids[i];
    const o = i * POSE_STRIDE;
    poses[o] = xpos[3 * g];
    poses[o + 1] = xpos[3 * g + 1];
    poses[o + 2] = xpos[3 * g + 2];
    for (let k = 0; k < 9; k++) poses[o + 3 + k] = xmat[9 * g + k];
  }
  return poses;
}
