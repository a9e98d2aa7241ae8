/**
 * A station's scene in three.js (WebGL): its geoms as meshes (plane, box, sphere, capsule, cylinder, ellipsoid with
 * their MuJoCo sizes and colours; MuJoCo's frame, z up), moved in place by each new set of poses (12 numbers per
 * geom: position, rotation row-major, as env/scene-view.ts sends them), with orbit controls (drag to turn, wheel to
 * zoom, right-drag to pan). Drawn only when something changed (poses, the camera), not in a loop. Loaded by
 * fleet-3d.js only when a station has a 3D view; `webglAvailable()` says whether this browser can draw it at all.
 */

import { OrbitControls } from "/vendor/three/OrbitControls.js";
import * as THREE from "/vendor/three/three.module.js";

/** Drawing settings. */
const VIEW = Object.freeze({
  background: [0.16, 0.18, 0.22], // RGB 0..1, the camera frames' background (render/scene-renderer.ts)
  infinitePlaneM: 1.5, // half size drawn for a plane of size 0 (MuJoCo: infinite)
  roundSegments: 24, // facets around spheres, capsules and cylinders
  fovDeg: 40, // the camera's vertical field of view
  lookFrom: [1.1, -0.9, 0.75], // direction from the scene's centre to the camera at first (MuJoCo world frame)
  margin: 1.0, // how much room the first view leaves around what it frames
  frameBelowM: 0.35, // the first view frames the geoms smaller than this (robots, objects), not tables and floors
});

/** @type {boolean | undefined} */
let webgl;

/**
 * Whether this browser can make a WebGL context (headless browsers without a GPU may not). Probed once per page, and
 * the probe's context is given back at once: browsers keep only a few, and a probe per refresh would push the
 * stations' own views out.
 */
export function webglAvailable() {
  if (webgl !== undefined) return webgl;
  try {
    const canvas = document.createElement("canvas");
    const gl = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    webgl = Boolean(gl);
  } catch {
    webgl = false;
  }
  return webgl;
}

/**
 * three's geometry for one MuJoCo geom, in the geom's own frame (MuJoCo puts the long axis of capsules and
 * cylinders along z; three builds them along y, so they are turned).
 * @param {{ type: string, size: number[] }} g
 */
function geomGeometry(g) {
  const [a, b, c] = g.size;
  const n = VIEW.roundSegments;
  switch (g.type) {
    case "plane":
      return new THREE.PlaneGeometry(2 * (a > 0 ? a : VIEW.infinitePlaneM), 2 * (b > 0 ? b : VIEW.infinitePlaneM));
    case "box":
      return new THREE.BoxGeometry(2 * a, 2 * b, 2 * c);
    case "sphere":
      return new THREE.SphereGeometry(a, n, n / 2);
    case "ellipsoid":
      return new THREE.SphereGeometry(1, n, n / 2).scale(a, b, c);
    case "capsule":
      return new THREE.CapsuleGeometry(a, 2 * b, n / 4, n).rotateX(Math.PI / 2);
    case "cylinder":
      return new THREE.CylinderGeometry(a, a, 2 * b, n).rotateX(Math.PI / 2);
    default:
      return null;
  }
}

/**
 * One scene on one canvas.
 * @example const view = new SceneView(el, geometry, 256); view.setPoses(poses); view.dispose();
 */
export class SceneView {
  /**
   * @param {HTMLElement} container where the canvas goes
   * @param {{ geoms: { id: number, name: string | null, type: string, size: number[], rgba: number[] }[] }} geometry
   * @param {number} px the canvas's size in CSS pixels (square)
   */
  constructor(container, geometry, px) {
    // preserveDrawingBuffer: the picture can be read back (tests, a screenshot) between draws
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(px, px);
    const [r, g, b] = VIEW.background;
    this.renderer.setClearColor(new THREE.Color().setRGB(r, g, b, THREE.SRGBColorSpace));
    this.canvas = this.renderer.domElement;
    this.canvas.className = "fleet-3d-canvas";
    container.append(this.canvas);

    this.scene = new THREE.Scene();
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x50505a, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(0.6, -0.4, 2); // from above, a bit aslant (MuJoCo frame: z up)
    this.scene.add(sun);

    /** @type {(THREE.Mesh | null)[]} one per geom, in the geometry's order */
    this.meshes = geometry.geoms.map((geom) => {
      const shape = geomGeometry(geom);
      if (!shape) return null;
      const [cr, cg, cb, ca] = geom.rgba;
      const material = new THREE.MeshLambertMaterial({
        color: new THREE.Color().setRGB(cr, cg, cb, THREE.SRGBColorSpace),
        transparent: ca < 1,
        opacity: ca,
        side: geom.type === "plane" ? THREE.DoubleSide : THREE.FrontSide,
      });
      const mesh = new THREE.Mesh(shape, material);
      mesh.matrixAutoUpdate = false; // placed by setPoses only
      mesh.name = geom.name ?? "";
      this.scene.add(mesh);
      return mesh;
    });
    this.planes = geometry.geoms.map((geom) => geom.type === "plane");
    this.radii = geometry.geoms.map((geom) => Math.hypot(...geom.size.slice(0, geom.type === "box" ? 3 : 2)));

    this.camera = new THREE.PerspectiveCamera(VIEW.fovDeg, 1, 0.01, 50);
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.addEventListener("change", () => this.draw());
    this.framed = false;
  }

  /** Moves every mesh to its pose (12 numbers per geom) and draws; the first call also aims the camera. @param {ArrayLike<number>} poses */
  setPoses(poses) {
    this.meshes.forEach((mesh, i) => {
      if (!mesh) return;
      const o = 12 * i;
      const p = poses;
      // row-major rotation and position: Matrix4.set takes the matrix row by row
      // biome-ignore format: a matrix reads best as rows
      mesh.matrix.set(
        p[o + 3], p[o + 4], p[o + 5], p[o],
        p[o + 6], p[o + 7], p[o + 8], p[o + 1],
        p[o + 9], p[o + 10], p[o + 11], p[o + 2],
        0, 0, 0, 1,
      );
      mesh.matrixWorldNeedsUpdate = true;
    });
    if (!this.framed) this.frame(poses);
    this.draw();
  }

  /**
   * Aims the camera at the scene's smaller geoms (not planes, tables, floors: all of them when there are no small
   * ones), far enough to see them all. @param {ArrayLike<number>} poses
   */
  frame(poses) {
    const box = new THREE.Box3();
    const small = this.radii.some((r, i) => !this.planes[i] && r < VIEW.frameBelowM);
    this.meshes.forEach((mesh, i) => {
      if (!mesh || this.planes[i] || (small && this.radii[i] >= VIEW.frameBelowM)) return;
      const centre = new THREE.Vector3(poses[12 * i], poses[12 * i + 1], poses[12 * i + 2]);
      box.expandByPoint(centre.clone().addScalar(this.radii[i]));
      box.expandByPoint(centre.clone().addScalar(-this.radii[i]));
    });
    if (box.isEmpty()) box.set(new THREE.Vector3(-0.5, -0.5, 0), new THREE.Vector3(0.5, 0.5, 0.5));
    const sphere = box.getBoundingSphere(new THREE.Sphere());
    const distance = (VIEW.margin * sphere.radius) / Math.sin(((VIEW.fovDeg / 2) * Math.PI) / 180);
    const from = new THREE.Vector3(...VIEW.lookFrom).normalize().multiplyScalar(distance);
    this.camera.position.copy(sphere.center).add(from);
    this.camera.near = distance / 100;
    this.camera.far = distance * 20;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.update();
    this.framed = true;
  }

  draw() {
    this.renderer.render(this.scene, this.camera);
  }

  /** Frees everything on the GPU and removes the canvas. */
  dispose() {
    this.controls.dispose();
    for (const mesh of this.meshes) {
      if (!mesh) continue;
      mesh.geometry.dispose();
      /** @type {THREE.Material} */ (mesh.material).dispose();
    }
    this.renderer.dispose();
    this.renderer.forceContextLoss(); // browsers keep only a few contexts: give this one back now
    this.canvas.remove();
  }
}
