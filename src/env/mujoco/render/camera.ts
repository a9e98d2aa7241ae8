/**
 * Cameras for the MuJoCo renderer: a model's `<camera>` by name or id, or a free look-at camera for a person's view,
 * resolved to a pose and a vertical field of view; and the pinhole model reported with every frame.
 *
 * MuJoCo's camera frame: x right, y up, looking along -z; `cam_xmat` is camera-to-world, row-major, so its columns
 * are those axes in world coordinates; `cam_fovy` is the vertical field of view in degrees. The reported
 * extrinsics use the OpenCV frame instead (x right, y down, z forward, the usual partner of fx, fy, cx, cy), so a
 * world point p lands at u = fx·X/Z + cx, v = fy·Y/Z + cy with (X, Y, Z) = Rᵀ(p − position), where pixel
 * (col, row) has its centre at (u, v) = (col, row), and Z is the depth the frame reports there.
 */

import type { MainModule, MjData, MjModel } from "@mujoco/mujoco";
import { InvalidInputError } from "../../../core/errors.js";

export type Vec3 = [number, number, number];

/** A free camera: where it stands, the point it looks at (world +z is up), and its vertical field of view. */
export interface FreeCamera {
  position: Vec3;
  lookAt: Vec3;
  fovy?: number; // degrees; the model's `<visual><global fovy>` when left out (MuJoCo's default is 45)
}

/** Pinhole intrinsics in pixels (OpenCV convention, pixel centres at integer coordinates). */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** Camera-to-world pose of the OpenCV camera frame (x right, y down, z forward); `rotation` is row-major 3×3. */
export interface Extrinsics {
  position: Vec3;
  rotation: number[];
}

/** A camera resolved for one frame: MuJoCo's frame (columns of `xmat` = right, up, backward) and its fovy. */
export interface CameraPose {
  position: Float64Array; // 3, world metres
  xmat: Float64Array; // 9, row-major camera-to-world, MuJoCo axes
  fovyDeg: number;
}

/** The id of a model camera given by name or id; an unknown one is refused with the cameras the model has. */
export function cameraId(mj: MainModule, model: MjModel, camera: string | number): number {
  const ncam = model.ncam;
  const id =
    typeof camera === "number"
      ? Number.isInteger(camera) && camera >= 0 && camera < ncam
        ? camera
        : -1
      : mj.mj_name2id(model, mj.mjtObj.mjOBJ_CAMERA.value, camera);
  if (id >= 0) return id;
  throw new InvalidInputError(
    `no camera ${JSON.stringify(camera)} in this model; it has ${ncam} camera(s): ${describeCameras(mj, model)}. ` +
      "Pass one of these names or ids, or a free camera { position, lookAt }.",
  );
}

function describeCameras(mj: MainModule, model: MjModel): string {
  const type = mj.mjtObj.mjOBJ_CAMERA.value;
  const names: string[] = [];
  for (let i = 0; i < model.ncam; i++) {
    // mj_id2name answers garbage for an unnamed camera here: keep a name only if it maps back to its id
    const name = mj.mj_id2name(model, type, i);
    names.push(
      typeof name === "string" && name !== "" && mj.mj_name2id(model, type, name) === i ? `${i} "${name}"` : `${i}`,
    );
  }
  return names.length > 0 ? names.join(", ") : "none";
}

/** Refuses model cameras this renderer cannot draw faithfully (orthographic, or defined by a physical sensor). */
export function checkCameraSupported(model: MjModel, id: number): void {
  const projection = model.cam_projection as Int32Array | undefined;
  if (projection && projection[id] !== 0) {
    throw new InvalidInputError(`camera ${id} is orthographic; this renderer draws perspective cameras only`);
  }
  const sensor = model.cam_sensorsize as Float32Array;
  if (sensor[2 * id] !== 0 || sensor[2 * id + 1] !== 0) {
    throw new InvalidInputError(
      `camera ${id} is defined by sensorsize/focal; this renderer takes cameras defined by fovy only`,
    );
  }
}

/** Writes a model camera's current pose (from `mj_forward`/`mj_step` data) and fovy into `out`. */
export function modelCameraPose(model: MjModel, data: MjData, id: number, out: CameraPose): void {
  const pos = data.cam_xpos as Float64Array;
  const mat = data.cam_xmat as Float64Array;
  for (let k = 0; k < 3; k++) out.position[k] = pos[3 * id + k];
  for (let k = 0; k < 9; k++) out.xmat[k] = mat[9 * id + k];
  out.fovyDeg = (model.cam_fovy as Float64Array)[id];
}

/** Writes a free camera's pose into `out`: looking from `position` at `lookAt`, with world +z up in the image. */
export function freeCameraPose(camera: FreeCamera, defaultFovy: number, out: CameraPose): void {
  const [px, py, pz] = camera.position;
  let fx = camera.lookAt[0] - px;
  let fy = camera.lookAt[1] - py;
  let fz = camera.lookAt[2] - pz;
  const fn = Math.hypot(fx, fy, fz);
  if (!(fn > 0) || !Number.isFinite(fn)) {
    throw new InvalidInputError(
      `free camera: position ${JSON.stringify(camera.position)} and lookAt ${JSON.stringify(camera.lookAt)} ` +
        "must be finite and apart",
    );
  }
  fx /= fn;
  fy /= fn;
  fz /= fn;
  // right = forward × up, with world +z as up unless the camera looks straight up or down (then world +y)
  let rx = fy;
  let ry = -fx;
  let rz = 0;
  if (Math.hypot(rx, ry) < 1e-9) {
    rx = -fz;
    ry = 0;
    rz = fx;
  }
  const rn = Math.hypot(rx, ry, rz);
  rx /= rn;
  ry /= rn;
  rz /= rn;
  const ux = ry * fz - rz * fy; // up = right × forward
  const uy = rz * fx - rx * fz;
  const uz = rx * fy - ry * fx;
  out.position.set(camera.position);
  out.xmat.set([rx, ux, -fx, ry, uy, -fy, rz, uz, -fz]);
  out.fovyDeg = camera.fovy ?? defaultFovy;
  if (!(out.fovyDeg > 0 && out.fovyDeg < 180)) {
    throw new InvalidInputError(`free camera: fovy must be in (0, 180) degrees, got ${out.fovyDeg}`);
  }
}

/** The focal length in pixels for a vertical field of view over `height` rows (square pixels). */
export function focalPixels(fovyDeg: number, height: number): number {
  return height / 2 / Math.tan((fovyDeg * Math.PI) / 360);
}

/** The pinhole intrinsics of a frame of `width` × `height` from this camera. */
export function intrinsicsOf(pose: CameraPose, width: number, height: number): Intrinsics {
  const f = focalPixels(pose.fovyDeg, height);
  return { fx: f, fy: f, cx: width / 2 - 0.5, cy: height / 2 - 0.5 };
}

/** The camera-to-world pose in the OpenCV frame: MuJoCo's axes with y and z turned around. */
export function extrinsicsOf(pose: CameraPose): Extrinsics {
  const m = pose.xmat;
  const neg = (v: number) => 0 - v; // never -0, so equal poses give equal numbers
  return {
    position: [pose.position[0], pose.position[1], pose.position[2]],
    rotation: [m[0], neg(m[1]), neg(m[2]), m[3], neg(m[4]), neg(m[5]), m[6], neg(m[7]), neg(m[8])],
  };
}
