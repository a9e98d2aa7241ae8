/**
 * SceneRenderer: camera frames (RGB, depth, segmentation) of a MuJoCo scene in plain JavaScript, no GPU.
 *
 * Per frame it reads the geoms straight from the model and data (`geom_type/size/rgba/group/matid`,
 * `geom_xpos/xmat`), transforms each geom's cached unit mesh (meshes.ts) into the camera's frame, culls geoms
 * outside the view and triangles facing away, clips what crosses the near plane, shades each triangle flat
 * (ambient + Lambert from one directional light) and fills it into a z-buffer (raster.ts). Pure arithmetic in a
 * fixed order, so the same state gives the same bytes on every run. Drawn: planes (finite from their size, with a
 * checker), boxes, spheres, capsules, cylinders and ellipsoids. Not drawn: meshes, heightfields, SDFs, sites and
 * decorations. Transparency is ignored (alpha 0 hides a geom; any other alpha draws it opaque).
 */

import type { MainModule, MjData, MjModel } from "@mujoco/mujoco";
import { InvalidInputError } from "../../../core/errors.js";
import {
  type CameraPose,
  cameraId,
  checkCameraSupported,
  type Extrinsics,
  extrinsicsOf,
  type FreeCamera,
  focalPixels,
  freeCameraPose,
  type Intrinsics,
  intrinsicsOf,
  modelCameraPose,
} from "./camera.js";
import { boxMesh, capsuleMesh, cylinderMesh, planeMesh, sphereMesh, type UnitMesh } from "./meshes.js";
import { FrameBuffers, fillTriangle } from "./raster.js";

/** Defaults of every renderer setting; `new SceneRenderer(mj, model, { ... })` overrides any of them. */
export const RENDER_DEFAULTS = Object.freeze({
  slices: 16, // facets around spheres, capsules and cylinders: round enough at 96–256 px
  stacks: 8, // facets pole to pole on a sphere (a capsule's cap gets half)
  planeCells: 10, // checker cells along each side of a plane
  checkerDark: 0.82, // brightness of a plane's dark cells (1: a flat plane)
  hiddenGroups: [3, 4, 5] as readonly number[], // geom groups not drawn (MuJoCo models keep collision-only geoms in 3)
  background: [0.16, 0.18, 0.22] as readonly number[], // RGB 0..1 where no geom is
  ambient: 0.4, // light every surface gets
  diffuse: 0.6, // Lambert light, times the cosine between the surface normal and the light
  lightDirection: [0.35, 0.25, -1] as readonly number[], // world direction the light travels (from above, a bit aslant)
  maxSize: 4096, // largest width or height accepted, px
});

export type RenderOptions = { -readonly [K in keyof typeof RENDER_DEFAULTS]: (typeof RENDER_DEFAULTS)[K] };

/** What to render: a model camera (name or id) or a free camera, a size in pixels, and which images. */
export interface RenderRequest {
  camera: string | number | FreeCamera;
  width: number;
  height: number;
  rgb?: boolean; // RGB24, default true
  depth?: boolean; // metres along the optical axis, default false
  segmentation?: boolean; // geom ids, default false
}

/** One frame. Images are row-major, top row first; a pixel's channels (RGB) are adjacent. */
export interface RenderResult {
  rgb: Uint8Array | null; // width × height × 3
  depth: Float32Array | null; // metres along the optical axis; Infinity where no geom is (or beyond the far plane)
  segmentation: Int32Array | null; // geom id, -1 where no geom is
  intrinsics: Intrinsics;
  extrinsics: Extrinsics; // camera-to-world, OpenCV frame (x right, y down, z forward): see camera.ts
}

const GEOM_PLANE = 0;
const GEOM_SPHERE = 2;
const GEOM_CAPSULE = 3;
const GEOM_ELLIPSOID = 4;
const GEOM_CYLINDER = 5;
const GEOM_BOX = 6;

/**
 * Renders camera frames of one model. Keeps its working buffers between frames (per size) and allocates only the
 * images it returns, so a caller may keep every frame. Owns no MuJoCo object; `dispose()` drops the buffers.
 *
 * @example
 * const renderer = new SceneRenderer(mj, model);
 * const { rgb, depth } = renderer.render(data, { camera: "top", width: 128, height: 128, depth: true });
 */
export class SceneRenderer {
  private readonly options: RenderOptions;
  private readonly meshes: (UnitMesh | null)[] = new Array(8).fill(null); // by mjtGeom value
  private readonly hidden: Set<number>;
  private readonly near: number;
  private readonly far: number;
  private readonly defaultFovy: number;
  private readonly backgroundPacked: number;
  private readonly light: Float64Array; // unit vector towards the light, world frame
  private buffers: FrameBuffers | null = null;
  private disposed = false;
  // per-frame scratch, sized for the largest unit mesh
  private readonly vx: Float64Array;
  private readonly vy: Float64Array;
  private readonly vz: Float64Array;
  private readonly sx: Float64Array;
  private readonly sy: Float64Array;
  private readonly sw: Float64Array;
  private readonly clipIn = new Float64Array(9); // a triangle crossing the near plane: x, y, z per corner
  private readonly clipOut = new Float64Array(12); // what is left in front: up to 4 corners
  private readonly pose: CameraPose = { position: new Float64Array(3), xmat: new Float64Array(9), fovyDeg: 45 };

  constructor(
    private readonly mj: MainModule,
    private readonly model: MjModel,
    options: Partial<RenderOptions> = {},
  ) {
    this.options = { ...RENDER_DEFAULTS, ...options };
    const o = this.options;
    const tess = { slices: o.slices, stacks: o.stacks, planeCells: o.planeCells, checkerDark: o.checkerDark };
    if (!(tess.slices >= 3 && tess.stacks >= 2 && tess.planeCells >= 1)) {
      throw new InvalidInputError(
        `render options: slices ≥ 3, stacks ≥ 2 and planeCells ≥ 1 are needed, got ${JSON.stringify(tess)}`,
      );
    }
    const sphere = sphereMesh(tess);
    this.meshes[GEOM_PLANE] = planeMesh(tess);
    this.meshes[GEOM_SPHERE] = sphere;
    this.meshes[GEOM_CAPSULE] = capsuleMesh(tess);
    this.meshes[GEOM_ELLIPSOID] = sphere;
    this.meshes[GEOM_CYLINDER] = cylinderMesh(tess);
    this.meshes[GEOM_BOX] = boxMesh();
    const maxVertices = Math.max(...this.meshes.map((m) => m?.vertexCount ?? 0));
    this.vx = new Float64Array(maxVertices);
    this.vy = new Float64Array(maxVertices);
    this.vz = new Float64Array(maxVertices);
    this.sx = new Float64Array(maxVertices);
    this.sy = new Float64Array(maxVertices);
    this.sw = new Float64Array(maxVertices);
    this.hidden = new Set(o.hiddenGroups);

    // MuJoCo's clipping planes are fractions of the model's extent (visual/map znear, zfar)
    const vis = model.vis;
    const map = vis.map;
    const global = vis.global;
    const stat = model.stat;
    const extent = stat.extent > 0 ? stat.extent : 1;
    this.near = map.znear * extent;
    this.far = map.zfar * extent;
    this.defaultFovy = global.fovy;
    global.delete();
    map.delete();
    vis.delete();
    stat.delete();

    this.backgroundPacked = packColour(o.background[0], o.background[1], o.background[2]);
    const [lx, ly, lz] = o.lightDirection;
    const ln = Math.hypot(lx, ly, lz);
    this.light = Float64Array.of(-lx / ln, -ly / ln, -lz / ln);
  }

  /** Renders one frame of `data` (positions as of the last `mj_forward` or `mj_step`). */
  render(data: MjData, req: RenderRequest): RenderResult {
    if (this.disposed) throw new InvalidInputError("this SceneRenderer was disposed; create a new one");
    const { width, height } = req;
    const maxSize = this.options.maxSize;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new InvalidInputError(`render: width and height must be whole numbers ≥ 1, got ${width} × ${height}`);
    }
    if (width > maxSize || height > maxSize) {
      throw new InvalidInputError(`render: ${width} × ${height} px is larger than ${maxSize} px on a side`);
    }
    const pose = this.pose;
    if (typeof req.camera === "object") freeCameraPose(req.camera, this.defaultFovy, pose);
    else {
      const id = cameraId(this.mj, this.model, req.camera);
      checkCameraSupported(this.model, id);
      modelCameraPose(this.model, data, id, pose);
    }
    if (this.buffers?.width !== width || this.buffers?.height !== height) {
      this.buffers = new FrameBuffers(width, height);
    }
    const fb = this.buffers;
    fb.clear(this.backgroundPacked, this.far);
    this.drawGeoms(data, fb, pose);

    const n = width * height;
    let rgb: Uint8Array | null = null;
    if (req.rgb ?? true) {
      rgb = new Uint8Array(n * 3);
      const colour = fb.colour;
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        const c = colour[i];
        rgb[j] = c & 0xff;
        rgb[j + 1] = (c >>> 8) & 0xff;
        rgb[j + 2] = (c >>> 16) & 0xff;
      }
    }
    let depth: Float32Array | null = null;
    if (req.depth) {
      depth = new Float32Array(n);
      const inv = fb.invDepth;
      const ids = fb.id;
      for (let i = 0; i < n; i++) depth[i] = ids[i] >= 0 ? 1 / inv[i] : Number.POSITIVE_INFINITY;
    }
    return {
      rgb,
      depth,
      segmentation: req.segmentation ? fb.id.slice() : null,
      intrinsics: intrinsicsOf(pose, width, height),
      extrinsics: extrinsicsOf(pose),
    };
  }

  /** Drops the working buffers; the renderer cannot render afterwards. The model stays the caller's. */
  dispose(): void {
    this.disposed = true;
    this.buffers = null;
  }

  private drawGeoms(data: MjData, fb: FrameBuffers, pose: CameraPose): void {
    const m = this.model;
    const types = m.geom_type as Int32Array;
    const sizes = m.geom_size as Float64Array;
    const rgbas = m.geom_rgba as Float32Array;
    const groups = m.geom_group as Int32Array;
    const matIds = m.geom_matid as Int32Array;
    const matRgbas = m.mat_rgba as Float32Array;
    const rbound = m.geom_rbound as Float64Array;
    const xpos = data.geom_xpos as Float64Array;
    const xmat = data.geom_xmat as Float64Array;
    const c = pose.xmat; // camera-to-world; its transpose takes world to camera
    const [cpx, cpy, cpz] = pose.position;
    const { near, far } = this;
    const tanY = Math.tan((pose.fovyDeg * Math.PI) / 360);
    const tanX = (tanY * fb.width) / fb.height;
    const normX = Math.sqrt(1 + tanX * tanX);
    const normY = Math.sqrt(1 + tanY * tanY);
    const focal = focalPixels(pose.fovyDeg, fb.height);
    const centreX = fb.width / 2;
    const centreY = fb.height / 2;
    const L = this.light;
    const lx = c[0] * L[0] + c[3] * L[1] + c[6] * L[2]; // the light in the camera's frame
    const ly = c[1] * L[0] + c[4] * L[1] + c[7] * L[2];
    const lz = c[2] * L[0] + c[5] * L[1] + c[8] * L[2];
    const { ambient, diffuse } = this.options;
    const { vx, vy, vz, sx, sy, sw } = this;

    for (let g = 0; g < m.ngeom; g++) {
      const mesh = this.meshes[types[g]];
      if (!mesh || this.hidden.has(groups[g])) continue;
      let colourAt = 4 * g;
      let colours = rgbas;
      const mat = matIds[g];
      if (mat >= 0 && rgbas[colourAt] === 0.5 && rgbas[colourAt + 1] === 0.5 && rgbas[colourAt + 2] === 0.5) {
        if (rgbas[colourAt + 3] === 1) {
          colours = matRgbas; // the geom kept MuJoCo's default colour: its material decides
          colourAt = 4 * mat;
        }
      }
      if (colours[colourAt + 3] === 0) continue;
      const red = colours[colourAt];
      const green = colours[colourAt + 1];
      const blue = colours[colourAt + 2];

      // geom centre in the camera frame, then cull against the view frustum by the bounding sphere
      const dx = xpos[3 * g] - cpx;
      const dy = xpos[3 * g + 1] - cpy;
      const dz = xpos[3 * g + 2] - cpz;
      const tx = c[0] * dx + c[3] * dy + c[6] * dz;
      const ty = c[1] * dx + c[4] * dy + c[7] * dz;
      const tz = c[2] * dx + c[5] * dy + c[8] * dz;
      const r = rbound[g];
      if (r > 0) {
        if (-tz + r < near || -tz - r > far) continue;
        if ((tx + tanX * tz) / normX > r || (-tx + tanX * tz) / normX > r) continue;
        if ((ty + tanY * tz) / normY > r || (-ty + tanY * tz) / normY > r) continue;
      }

      // M = camera-from-world × world-from-geom, both row-major
      const G = 9 * g;
      const m00 = c[0] * xmat[G] + c[3] * xmat[G + 3] + c[6] * xmat[G + 6];
      const m01 = c[0] * xmat[G + 1] + c[3] * xmat[G + 4] + c[6] * xmat[G + 7];
      const m02 = c[0] * xmat[G + 2] + c[3] * xmat[G + 5] + c[6] * xmat[G + 8];
      const m10 = c[1] * xmat[G] + c[4] * xmat[G + 3] + c[7] * xmat[G + 6];
      const m11 = c[1] * xmat[G + 1] + c[4] * xmat[G + 4] + c[7] * xmat[G + 7];
      const m12 = c[1] * xmat[G + 2] + c[4] * xmat[G + 5] + c[7] * xmat[G + 8];
      const m20 = c[2] * xmat[G] + c[5] * xmat[G + 3] + c[8] * xmat[G + 6];
      const m21 = c[2] * xmat[G + 1] + c[5] * xmat[G + 4] + c[8] * xmat[G + 7];
      const m22 = c[2] * xmat[G + 2] + c[5] * xmat[G + 5] + c[8] * xmat[G + 8];

      // the geom's size as the unit mesh's scale (see meshes.ts)
      const s0 = sizes[3 * g];
      const s1 = sizes[3 * g + 1];
      const s2 = sizes[3 * g + 2];
      let ax = s0;
      let ay = s0;
      let az = s0;
      let hz = 0;
      switch (types[g]) {
        case GEOM_PLANE: // a size of 0 means an infinite plane: draw it out to the far plane
          ax = s0 > 0 ? s0 : far;
          ay = s1 > 0 ? s1 : far;
          az = 1;
          break;
        case GEOM_CAPSULE:
          hz = s1;
          break;
        case GEOM_CYLINDER:
          az = s1;
          break;
        case GEOM_BOX:
        case GEOM_ELLIPSOID:
          ay = s1;
          az = s2;
          break;
      }

      const verts = mesh.vertices;
      for (let v = 0, k = 0; v < mesh.vertexCount; v++, k += 4) {
        const px = ax * verts[k];
        const py = ay * verts[k + 1];
        const pz = az * verts[k + 2] + hz * verts[k + 3];
        const x = m00 * px + m01 * py + m02 * pz + tx;
        const y = m10 * px + m11 * py + m12 * pz + ty;
        const z = m20 * px + m21 * py + m22 * pz + tz;
        vx[v] = x;
        vy[v] = y;
        vz[v] = z;
        if (z < -near) {
          const w = -1 / z;
          sx[v] = centreX + focal * x * w;
          sy[v] = centreY - focal * y * w;
          sw[v] = w;
        } else sw[v] = 0; // behind the near plane
      }

      const tris = mesh.triangles;
      const tint = mesh.tint;
      for (let t = 0, k = 0; t < mesh.triangleCount; t++, k += 3) {
        const a = tris[k];
        const b = tris[k + 1];
        const d = tris[k + 2];
        const ux = vx[b] - vx[a];
        const uy = vy[b] - vy[a];
        const uz = vz[b] - vz[a];
        const wx = vx[d] - vx[a];
        const wy = vy[d] - vy[a];
        const wz = vz[d] - vz[a];
        const nx = uy * wz - uz * wy;
        const ny = uz * wx - ux * wz;
        const nz = ux * wy - uy * wx;
        if (nx * vx[a] + ny * vy[a] + nz * vz[a] >= 0) continue; // facing away from the camera
        const inFront = (sw[a] > 0 ? 1 : 0) + (sw[b] > 0 ? 1 : 0) + (sw[d] > 0 ? 1 : 0);
        if (inFront === 0) continue;
        const nn = Math.sqrt(nx * nx + ny * ny + nz * nz);
        if (nn === 0) continue;
        const lambert = (nx * lx + ny * ly + nz * lz) / nn;
        const light = (ambient + diffuse * Math.max(lambert, 0)) * tint[t];
        const colour = packColour(red * light, green * light, blue * light);
        if (inFront === 3) {
          fillTriangle(fb, sx[a], sy[a], sw[a], sx[b], sy[b], sw[b], sx[d], sy[d], sw[d], colour, g);
        } else this.clipAndFill(fb, a, b, d, colour, g, focal, centreX, centreY);
      }
    }
  }

  /** Clips a triangle that crosses the near plane (z = -near in the camera frame) and fills what is in front. */
  private clipAndFill(
    fb: FrameBuffers,
    a: number,
    b: number,
    d: number,
    colour: number,
    id: number,
    focal: number,
    centreX: number,
    centreY: number,
  ): void {
    const { vx, vy, vz, clipIn, clipOut } = this;
    const zc = -this.near;
    clipIn[0] = vx[a];
    clipIn[1] = vy[a];
    clipIn[2] = vz[a];
    clipIn[3] = vx[b];
    clipIn[4] = vy[b];
    clipIn[5] = vz[b];
    clipIn[6] = vx[d];
    clipIn[7] = vy[d];
    clipIn[8] = vz[d];
    // Sutherland–Hodgman against one plane: keep z < zc, add the crossing points
    let n = 0;
    for (let i = 0; i < 3; i++) {
      const j = (i + 1) % 3;
      const zi = clipIn[3 * i + 2];
      const zj = clipIn[3 * j + 2];
      const inI = zi < zc;
      if (inI) {
        clipOut[3 * n] = clipIn[3 * i];
        clipOut[3 * n + 1] = clipIn[3 * i + 1];
        clipOut[3 * n + 2] = zi;
        n++;
      }
      if (inI !== zj < zc) {
        const s = (zc - zi) / (zj - zi);
        clipOut[3 * n] = clipIn[3 * i] + s * (clipIn[3 * j] - clipIn[3 * i]);
        clipOut[3 * n + 1] = clipIn[3 * i + 1] + s * (clipIn[3 * j + 1] - clipIn[3 * i + 1]);
        clipOut[3 * n + 2] = zc;
        n++;
      }
    }
    // project the polygon (3 or 4 corners) in place: x, y become pixels and z becomes 1 / depth
    for (let i = 0; i < n; i++) {
      const w = -1 / clipOut[3 * i + 2];
      clipOut[3 * i] = centreX + focal * clipOut[3 * i] * w;
      clipOut[3 * i + 1] = centreY - focal * clipOut[3 * i + 1] * w;
      clipOut[3 * i + 2] = w;
    }
    for (let i = 1; i + 1 < n; i++) {
      fillTriangle(
        fb,
        clipOut[0],
        clipOut[1],
        clipOut[2],
        clipOut[3 * i],
        clipOut[3 * i + 1],
        clipOut[3 * i + 2],
        clipOut[3 * i + 3],
        clipOut[3 * i + 4],
        clipOut[3 * i + 5],
        colour,
        id,
      );
    }
  }
}

/** Packs an RGB colour (0..1 each, clamped) as 0x00BBGGRR, rounding to the nearest byte. */
function packColour(r: number, g: number, b: number): number {
  const byte = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));
  return (byte(r) | (byte(g) << 8) | (byte(b) << 16)) >>> 0;
}
