/**
 * Camera frames of MuJoCo scenes without a GPU: `SceneRenderer` (RGB, depth, segmentation from a model camera or a
 * free look-at camera) and the types of its requests and results. See README.md in this folder.
 */

export type { Extrinsics, FreeCamera, Intrinsics, Vec3 } from "./camera.js";
export {
  RENDER_DEFAULTS,
  type RenderOptions,
  type RenderRequest,
  type RenderResult,
  SceneRenderer,
} from "./scene-renderer.js";
