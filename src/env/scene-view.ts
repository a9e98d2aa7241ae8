/**
 * Scene views: what a live 3D viewer (the Fleet page of `enpire ui`) needs of a station's scene. An env that can be
 * watched in 3D has two optional methods (core/env.ts): `sceneGeometry()` (its visible geoms, once: shape, MuJoCo
 * size, colour) and `scenePoses()` (where each of them is now: 12 numbers per geom). The station posts the geometry
 * once per env and then poses a few times a second; the live board writes them as files for the UI.
 *
 * Sizes keep MuJoCo's meaning (m): plane [half x, half y, grid spacing] (0: infinite), box half extents, sphere
 * [radius], capsule and cylinder [radius, half length] along the geom's z, ellipsoid radii. A pose is position x, y, z
 * then the rotation matrix row-major (world from geom), as MuJoCo's geom_xpos and geom_xmat.
 * No MuJoCo import here: mujoco/scene-view.ts reads these from a model.
 */
import { z } from "zod";
import type { Env, SceneGeometry } from "../core/env.js";

export type { SceneGeometry, SceneGeomType } from "../core/env.js";

/** One geom's poses take this many numbers: position (3) and rotation row-major (9). */
export const POSE_STRIDE = 12;

/** Where each geom of a scene is: POSE_STRIDE numbers per geom, in the geometry's order. */
export type ScenePoses = Float32Array;

export const SCENE_GEOM_TYPES = ["plane", "box", "sphere", "capsule", "cylinder", "ellipsoid"] as const;

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** A scene's geometry as it crosses a boundary (a worker's message, a file the UI reads). */
export const SceneGeometrySchema = z.object({
  schema: z.literal("enpire.scene-geometry/1"),
  geoms: z.array(
    z.object({
      id: z.number().int().nonnegative(),
      name: z.string().nullable(),
      type: z.enum(SCENE_GEOM_TYPES),
      size: vec3,
      rgba: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      group: z.number().int(),
    }),
  ),
});
// the schema and core's type are one shape: a change to either alone fails to compile here
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesCore: Same<z.infer<typeof SceneGeometrySchema>, SceneGeometry> = true;
void schemaMatchesCore;

/** An env that a 3D viewer can watch. */
export interface SceneViewSource {
  sceneGeometry(): SceneGeometry;
  scenePoses(): ScenePoses;
}

/**
 * Whether `env` offers a scene view (both methods).
 * @example if (hasSceneView(env)) post(env.sceneGeometry(), env.scenePoses());
 */
export function hasSceneView<O, A>(env: Env<O, A>): env is Env<O, A> & SceneViewSource {
  return typeof env.sceneGeometry === "function" && typeof env.scenePoses === "function";
}
