/**
 * Unit meshes, one per MuJoCo geom type, built once and scaled per geom at draw time.
 *
 * A vertex is four numbers (x, y, z, k): its place on the geom is (sx·x, sy·y, sz·z + k·hz), where (sx, sy, sz,
 * hz) come from the geom's size (see `geomScale`). k is ±1 only on a capsule's caps, which move apart by the
 * cylinder's half-length without being stretched; everything else has k = 0. Triangles wind counter-clockwise seen
 * from outside (fixed here once, from each triangle's own outward direction, so no builder can get it wrong), and
 * carry a brightness `tint` (the plane's checker; 1 elsewhere). Shading is flat, so vertices need no normals.
 */

/** A unit mesh: `vertices` holds 4 numbers per vertex, `triangles` 3 vertex indices each, `tint` 1 per triangle. */
export interface UnitMesh {
  readonly vertexCount: number;
  readonly triangleCount: number;
  readonly vertices: Float64Array;
  readonly triangles: Uint32Array;
  readonly tint: Float32Array;
}

/** How finely the round shapes and the plane are cut. */
export interface Tessellation {
  slices: number; // around the axis of spheres, capsules and cylinders
  stacks: number; // pole to pole on a sphere (a capsule's cap gets half)
  planeCells: number; // checker cells along each side of a plane
  checkerDark: number; // brightness of the plane's dark cells (1 = no checker)
}

type Point = [number, number, number, number];

class MeshBuilder {
  private readonly points: Point[] = [];
  private readonly tris: [number, number, number][] = [];
  private readonly tints: number[] = [];

  vertex(p: Point): number {
    this.points.push(p);
    return this.points.length - 1;
  }

  triangle(a: number, b: number, c: number, tint = 1): void {
    this.tris.push([a, b, c]);
    this.tints.push(tint);
  }

  /**
   * Freezes the mesh, turning each triangle so that its normal points along `outward(centroid)`, with the caps
   * of a capsule placed as a unit capsule of half-length 1 (the shape is then convex around the origin).
   */
  build(outward: (c: [number, number, number]) => [number, number, number]): UnitMesh {
    const at = (i: number): [number, number, number] => {
      const p = this.points[i];
      return [p[0], p[1], p[2] + p[3]];
    };
    const triangles = new Uint32Array(this.tris.length * 3);
    this.tris.forEach(([a, b, c], t) => {
      const [pa, pb, pc] = [at(a), at(b), at(c)];
      const u = [pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]];
      const v = [pc[0] - pa[0], pc[1] - pa[1], pc[2] - pa[2]];
      const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
      const o = outward([(pa[0] + pb[0] + pc[0]) / 3, (pa[1] + pb[1] + pc[1]) / 3, (pa[2] + pb[2] + pc[2]) / 3]);
      const flip = n[0] * o[0] + n[1] * o[1] + n[2] * o[2] < 0;
      triangles.set(flip ? [a, c, b] : [a, b, c], t * 3);
    });
    return {
      vertexCount: this.points.length,
      triangleCount: this.tris.length,
      vertices: Float64Array.from(this.points.flat()),
      triangles,
      tint: Float32Array.from(this.tints),
    };
  }
}

const fromOrigin = (c: [number, number, number]): [number, number, number] => c;

/**
 * A surface of revolution about z from a profile of (radius, z, k) points, bottom to top. A point of radius 0 is
 * a single vertex (a pole or a cap's centre); two neighbouring points make a band of quads or a fan.
 */
function revolve(profile: [number, number, number][], slices: number): UnitMesh {
  const mesh = new MeshBuilder();
  const rings: number[][] = profile.map(([r, z, k]) => {
    if (r === 0) return [mesh.vertex([0, 0, z, k])];
    const ring: number[] = [];
    for (let s = 0; s < slices; s++) {
      const a = (2 * Math.PI * s) / slices;
      ring.push(mesh.vertex([r * Math.cos(a), r * Math.sin(a), z, k]));
    }
    return ring;
  });
  for (let i = 0; i + 1 < rings.length; i++) {
    const [lo, hi] = [rings[i], rings[i + 1]];
    if (lo.length === 1 && hi.length === 1) continue;
    for (let s = 0; s < slices; s++) {
      const n = (s + 1) % slices;
      if (lo.length === 1) mesh.triangle(lo[0], hi[s], hi[n]);
      else if (hi.length === 1) mesh.triangle(lo[s], lo[n], hi[0]);
      else {
        mesh.triangle(lo[s], lo[n], hi[n]);
        mesh.triangle(lo[s], hi[n], hi[s]);
      }
    }
  }
  return mesh.build(fromOrigin);
}

/** A unit sphere (also the ellipsoid, scaled per axis). */
export function sphereMesh(t: Tessellation): UnitMesh {
  const profile: [number, number, number][] = [];
  for (let i = 0; i <= t.stacks; i++) {
    const lat = -Math.PI / 2 + (Math.PI * i) / t.stacks;
    profile.push([i === 0 || i === t.stacks ? 0 : Math.cos(lat), Math.sin(lat), 0]);
  }
  return revolve(profile, t.slices);
}

/** A unit capsule: two unit half-spheres whose centres sit at z = ±hz (k = ±1), joined by the cylinder band. */
export function capsuleMesh(t: Tessellation): UnitMesh {
  const cap = Math.max(2, Math.ceil(t.stacks / 2));
  const profile: [number, number, number][] = [];
  for (let i = 0; i <= cap; i++) {
    const lat = -Math.PI / 2 + (Math.PI / 2) * (i / cap);
    profile.push([i === 0 ? 0 : Math.cos(lat), Math.sin(lat), -1]);
  }
  for (let i = 0; i <= cap; i++) {
    const lat = (Math.PI / 2) * (i / cap);
    profile.push([i === cap ? 0 : Math.cos(lat), Math.sin(lat), 1]);
  }
  return revolve(profile, t.slices);
}

/** A unit cylinder: radius 1, z from -1 to 1, with both caps. */
export function cylinderMesh(t: Tessellation): UnitMesh {
  return revolve(
    [
      [0, -1, 0],
      [1, -1, 0],
      [1, 1, 0],
      [0, 1, 0],
    ],
    t.slices,
  );
}

/** A unit box: corners at ±1 on every axis, two triangles per face. */
export function boxMesh(): UnitMesh {
  const mesh = new MeshBuilder();
  const corner: number[] = [];
  for (let i = 0; i < 8; i++) corner.push(mesh.vertex([i & 1 ? 1 : -1, i & 2 ? 1 : -1, i & 4 ? 1 : -1, 0]));
  // each face as four corner indices around it
  const faces = [
    [0, 1, 3, 2],
    [4, 5, 7, 6],
    [0, 1, 5, 4],
    [2, 3, 7, 6],
    [0, 2, 6, 4],
    [1, 3, 7, 5],
  ];
  for (const [a, b, c, d] of faces) {
    mesh.triangle(corner[a], corner[b], corner[c]);
    mesh.triangle(corner[a], corner[c], corner[d]);
  }
  return mesh.build(fromOrigin);
}

/** A unit plane: x and y from -1 to 1 at z = 0, facing +z, cut into checker cells. */
export function planeMesh(t: Tessellation): UnitMesh {
  const mesh = new MeshBuilder();
  const n = t.planeCells;
  const grid: number[] = [];
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) grid.push(mesh.vertex([-1 + (2 * i) / n, -1 + (2 * j) / n, 0, 0]));
  }
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const a = grid[j * (n + 1) + i];
      const b = a + 1;
      const c = a + n + 2;
      const d = a + n + 1;
      const tint = (i + j) % 2 === 0 ? 1 : t.checkerDark;
      mesh.triangle(a, b, c, tint);
      mesh.triangle(a, c, d, tint);
    }
  }
  return mesh.build(() => [0, 0, 1]);
}
