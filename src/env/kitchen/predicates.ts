/**
 * RoboCasa's success predicates for the eight kitchen tasks (task-references.md §4; robocasa @ be22d659), as pure
 * functions of plain numbers: the env reads joint positions, body and site positions and contact flags from MuJoCo
 * and passes them in; nothing here touches the simulator. Each task predicate returns `{ success, reason, metrics }`,
 * the reason a sentence with the numbers that decided it. Also here: the reset draws these tasks make (a stove knob
 * turned on, a cabinet door opened for pick-and-place) and the geometry helpers the inside test needs.
 *
 * Details taken from RoboCasa's source (read, not copied), with their files:
 * - Joint normalisation `(q - min) / (max - min)`, flipped to `1 - x` when the range's min is negative (a left door
 *   hinged over [-1.57, 0] opens towards -1.57): models/fixtures/fixture.py `get_joint_state`,
 *   utils/object_utils.py `normalize_joint_value`. Cabinet hinges are [0, 1.57] and [-1.57, 0]
 *   (models/assets/fixtures/cabinets/cabinet_hinge.xml, cabinet_single.xml).
 * - `is_open`: every door joint's normalised value >= 0.90 (`norm < th` fails; fixture.py `is_open`, default
 *   th 0.90), over the fixture's joints whose names contain "door". OpenCabinet's `_check_success` is `is_open`
 *   (environments/kitchen/atomic/kitchen_doors.py).
 * - Drawer: state = travel / (0.55 × drawer depth), travel = -qpos of the slide (range [-depth, 0]) and the depth
 *   the drawer's full size along y, not clipped (models/fixtures/cabinets.py `Drawer.get_door_state`); OpenDrawer
 *   succeeds when every value is >= 0.95 (fails on `< 0.95`; atomic/kitchen_drawer.py).
 * - Stand mixer: head normalised as any joint (fixture.py), success `> 0.99` strictly
 *   (atomic/kitchen_stand_mixer.py, models/fixtures/stand_mixer.py).
 * - Stove: knob angle taken mod 2π with Python's float `%` (non-negative), on when `0.35 <= |a| <= 2π - 0.35`
 *   (both ends inclusive); TurnOffStove succeeds when the chosen knob's burner is not on. The "on" reset sets the knob
 *   to `rng.uniform(0.50, joint_max)`, joint_max the knob joint's range max (models/fixtures/stove.py
 *   `is_burner_on`, `get_knobs_state`, `set_knob_state`; atomic/kitchen_stove.py).
 * - Faucet: handle angle mod 2π, `water_on = 0.40 < a < π` (both strict; models/fixtures/sink.py
 *   `get_handle_state`); TurnOnSinkFaucet's reset sets the handle to 0 (atomic/kitchen_sink.py).
 * - CoffeeSetupMug: the mug's body position (its body origin, not its bbox centre) vs the machine's
 *   `receptacle_place_site`: xy distance `< 0.04` and `|Δz| < 0.10`, both strict (models/fixtures/coffee_machine.py
 *   `check_receptacle_placement_for_pouring`), AND gripper far (atomic/kitchen_coffee.py).
 * - Gripper far: `‖eef site − object body position‖ > 0.25` (utils/object_utils.py `gripper_obj_far`).
 * - Inside of (PnP counter→cabinet): the object's 8 bbox corners (bbox offsets rotated by the body quaternion, plus
 *   the body position) must all pass, for some interior region (p0, px, py, pz), the three tests
 *   `u·p0 − th <= u·q <= u·px + th` with u = px − p0 (and likewise v = py − p0, w = pz − p0), th = 0.05. u, v, w are
 *   NOT normalised, so the tolerance along an edge of length L is 0.05 / L metres (0.1 m for a 0.5 m wide interior);
 *   reproduced as RoboCasa computes it (utils/object_utils.py `obj_inside_of`; regions from fixture.py
 *   `update_regions`, `get_int_sites`, world points via `get_pos_after_rel_offset`: the fixture's yaw, then its
 *   position). PickPlaceCounterToCabinet's reset opens the cabinet's doors to U(0.90, 1.0) of their range
 *   (fixture.py `open_door`, `set_joint_state`; atomic/kitchen_pick_place.py).
 * - PnP sink→counter: `check_obj_in_receptacle`: object touches container AND xy distance of the two body
 *   positions `< 0.7 × container horizontal radius` (strict), the radius `‖bbox half-size x, y‖`
 *   (models/objects/objects.py `horizontal_radius`); AND the container touches the counter; AND gripper far
 *   (atomic/kitchen_pick_place.py). Touching is MuJoCo contact between the two, computed by the env.
 */

export type Vec3 = readonly [number, number, number];

/** A predicate's verdict: the sentence says which numbers decided it; metrics carry them for records. */
export interface PredicateResult {
  readonly success: boolean;
  readonly reason: string;
  readonly metrics: Readonly<Record<string, number | boolean>>;
}

/** RoboCasa's thresholds, each with the file it comes from (see the header). */
export const KITCHEN_THRESHOLDS = Object.freeze({
  doorOpen: 0.9, // is_open: every door joint normalised >= this (fixture.py)
  drawerOpen: 0.95, // OpenDrawer: drawer state >= this (kitchen_drawer.py)
  drawerTravelFraction: 0.55, // drawer state = travel / (this × depth) (cabinets.py)
  mixerHeadOpen: 0.99, // OpenStandMixerHead: head normalised > this (kitchen_stand_mixer.py)
  burnerOnMargin: 0.35, // burner on when knob mod 2π in [this, 2π − this] (stove.py)
  stoveKnobOnMin: 0.5, // TurnOffStove reset: knob drawn from U(this, joint max) rad (stove.py)
  faucetOnLow: 0.4, // water on when handle mod 2π in (this, faucetOnHigh) rad (sink.py)
  faucetOnHigh: Math.PI, // upper end of the faucet's "on" interval, rad (sink.py)
  gripperFar: 0.25, // gripper_obj_far: eef to object > this, m (object_utils.py)
  receptacleXy: 0.04, // CoffeeSetupMug: mug xy to receptacle site < this, m (coffee_machine.py)
  receptacleZ: 0.1, // CoffeeSetupMug: |mug z − site z| < this, m (coffee_machine.py)
  insideTolerance: 0.05, // obj_inside_of th, in units of |edge| × m (object_utils.py)
  receptacleRadiusFraction: 0.7, // check_obj_in_receptacle: xy < this × container horizontal radius (object_utils.py)
  doorResetOpenMin: 0.9, // open_door: doors set to U(this, doorResetOpenMax) of their range (fixture.py)
  doorResetOpenMax: 1.0,
});

const TWO_PI = 2 * Math.PI;

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}

function assertFinite(name: string, ...values: number[]): void {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`${name} must be finite, got ${v}`);
  }
}

function norm3(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

// ---------------------------------------------------------------------------------------------------------------
// Joints and angles

/** Python's float `x % m` for m > 0: the result has m's sign, so it lies in [0, m] (m itself only by rounding). */
export function pyMod(x: number, m: number): number {
  const r = x % m; // C's fmod: the sign of x
  if (r === 0) return 0; // Python gives +0.0 here, also for a negative x
  return r < 0 ? r + m : r;
}

/**
 * An angle taken into [0, 2π] as RoboCasa's knob and handle readers do: `q % (2π)` in Python (their following
 * `if q < 0: q += 2π` never fires after Python's `%`). A tiny negative angle lands on 2π itself by rounding.
 */
export function wrapAngle(q: number): number {
  assertFinite("angle", q);
  return pyMod(q, TWO_PI);
}

/** A joint's position and its MJCF range (the model's `jnt_range`), as the predicates read it. */
export interface JointReading {
  readonly name: string; // MJCF joint name, for the reason sentence
  readonly qpos: number; // rad or m
  readonly range: readonly [number, number]; // [min, max] from the model
}

/** RoboCasa's normalised joint value: (q − min) / (max − min), flipped to 1 − x when min < 0 (0 closed, 1 open). */
export function normalizeJoint(qpos: number, range: readonly [number, number]): number {
  const [min, max] = range;
  assertFinite("joint position and range", qpos, min, max);
  if (!(max > min)) throw new RangeError(`joint range needs max > min, got [${min}, ${max}]`);
  const x = (qpos - min) / (max - min);
  return min < 0 ? 1 - x : x;
}

/** The joint position whose normalised value is `fraction` (the inverse of {@link normalizeJoint}). */
export function jointValueAt(fraction: number, range: readonly [number, number]): number {
  const [min, max] = range;
  assertFinite("fraction and range", fraction, min, max);
  if (!(max > min)) throw new RangeError(`joint range needs max > min, got [${min}, ${max}]`);
  return min >= 0 ? min + (max - min) * fraction : min + (max - min) * (1 - fraction);
}

// ---------------------------------------------------------------------------------------------------------------
// Opening tasks

/** `is_open`: every door joint at >= 0.90 of its range (OpenCabinet: both doors of a double door). */
export function doorsOpen(doors: readonly JointReading[]): PredicateResult {
  if (doors.length === 0) throw new RangeError("doorsOpen needs at least one door joint");
  const th = KITCHEN_THRESHOLDS.doorOpen;
  const metrics: Record<string, number | boolean> = {};
  const parts: string[] = [];
  let success = true;
  for (const d of doors) {
    const v = normalizeJoint(d.qpos, d.range);
    metrics[d.name] = v;
    const open = v >= th;
    if (!open) success = false;
    parts.push(`${d.name} at ${fmt(v)} of its range (${fmt(d.qpos)} rad) ${open ? ">=" : "<"} ${th}`);
  }
  return { success, reason: `${success ? "open" : "not open"}: ${parts.join("; ")}`, metrics };
}

/** OpenCabinet's `_check_success`: the cabinet's door joints all open (see {@link doorsOpen}). */
export function openCabinetSuccess(doors: readonly JointReading[]): PredicateResult {
  return doorsOpen(doors);
}

/** A drawer's slide: how far it has come out (RoboCasa: −qpos of a [−depth, 0] slide) and the drawer's depth. */
export interface DrawerReading {
  readonly name: string;
  readonly travel: number; // m, 0 closed, > 0 pulled out (our `<drawer>_slide` qpos, range [0, 0.55 × depth])
  readonly depth: number; // m, the drawer's full size front to back
}

/** RoboCasa's drawer state: travel / (0.55 × depth), not clipped (a drawer pulled past 0.55 × depth reads > 1). */
export function drawerState(travel: number, depth: number): number {
  assertFinite("drawer travel and depth", travel, depth);
  if (!(depth > 0)) throw new RangeError(`drawer depth must be positive, got ${depth}`);
  return travel / (KITCHEN_THRESHOLDS.drawerTravelFraction * depth);
}

/** OpenDrawer: the drawer's state >= 0.95. */
export function openDrawerSuccess(drawer: DrawerReading): PredicateResult {
  const v = drawerState(drawer.travel, drawer.depth);
  const th = KITCHEN_THRESHOLDS.drawerOpen;
  const success = v >= th;
  const full = KITCHEN_THRESHOLDS.drawerTravelFraction * drawer.depth;
  return {
    success,
    reason:
      `${drawer.name} out ${fmt(drawer.travel)} m of ${fmt(full)} m (0.55 × depth ${fmt(drawer.depth)} m): ` +
      `state ${fmt(v)} ${success ? ">=" : "<"} ${th}`,
    metrics: { drawer_state: v, travel_m: drawer.travel },
  };
}

/** OpenStandMixerHead: the head joint normalised over its range > 0.99. */
export function openStandMixerHeadSuccess(head: JointReading): PredicateResult {
  const v = normalizeJoint(head.qpos, head.range);
  const th = KITCHEN_THRESHOLDS.mixerHeadOpen;
  const success = v > th;
  return {
    success,
    reason: `mixer head ${head.name} at ${fmt(v)} of its range (${fmt(head.qpos)} rad) ${success ? ">" : "<="} ${th}`,
    metrics: { head: v },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Knobs and handles

/** A burner is on when its knob's angle mod 2π lies in [0.35, 2π − 0.35]. */
export function burnerOn(knobQpos: number): boolean {
  const a = wrapAngle(knobQpos);
  const m = KITCHEN_THRESHOLDS.burnerOnMargin;
  return m <= Math.abs(a) && Math.abs(a) <= TWO_PI - m;
}

/** TurnOffStove: the chosen burner (the one the reset turned on) is not on. */
export function turnOffStoveSuccess(knob: { readonly name: string; readonly qpos: number }): PredicateResult {
  const a = wrapAngle(knob.qpos);
  const on = burnerOn(knob.qpos);
  const m = KITCHEN_THRESHOLDS.burnerOnMargin;
  return {
    success: !on,
    reason:
      `knob ${knob.name} at ${fmt(a)} rad (mod 2π) is ${on ? "inside" : "outside"} the "on" band ` +
      `[${m}, ${fmt(TWO_PI - m)}]: burner ${on ? "still on" : "off"}`,
    metrics: { knob_angle: a, burner_on: on },
  };
}

/** The faucet's `water_on`: handle angle mod 2π in (0.40, π). */
export function waterOn(handleQpos: number): boolean {
  const a = wrapAngle(handleQpos);
  return KITCHEN_THRESHOLDS.faucetOnLow < a && a < KITCHEN_THRESHOLDS.faucetOnHigh;
}

/** TurnOnSinkFaucet: water on. */
export function turnOnSinkFaucetSuccess(handle: { readonly name: string; readonly qpos: number }): PredicateResult {
  const a = wrapAngle(handle.qpos);
  const on = waterOn(handle.qpos);
  return {
    success: on,
    reason:
      `faucet handle ${handle.name} at ${fmt(a)} rad (mod 2π) is ${on ? "inside" : "outside"} ` +
      `(${KITCHEN_THRESHOLDS.faucetOnLow}, π): water ${on ? "on" : "off"}`,
    metrics: { handle_angle: a, water_on: on },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Placing objects

/** `gripper_obj_far`: the end-effector site is more than 0.25 m from the object's body position. */
export function gripperFar(eefPos: Vec3, objPos: Vec3): { far: boolean; distance: number } {
  assertFinite("positions", ...eefPos, ...objPos);
  const distance = norm3(eefPos, objPos);
  return { far: distance > KITCHEN_THRESHOLDS.gripperFar, distance };
}

function farText(g: { far: boolean; distance: number }): string {
  return `gripper ${fmt(g.distance)} m from it ${g.far ? ">" : "<="} ${KITCHEN_THRESHOLDS.gripperFar}`;
}

/** CoffeeSetupMug: mug within 0.04 m (xy) and 0.10 m (z) of the receptacle site, and the gripper far from it. */
export function coffeeSetupMugSuccess(input: {
  readonly mugPos: Vec3; // the mug's body position, world m
  readonly receptacleSitePos: Vec3; // the coffee machine's receptacle_place_site, world m
  readonly eefPos: Vec3; // the end-effector site, world m
}): PredicateResult {
  const { mugPos, receptacleSitePos: site, eefPos } = input;
  assertFinite("positions", ...mugPos, ...site);
  const xy = Math.hypot(mugPos[0] - site[0], mugPos[1] - site[1]);
  const dz = Math.abs(mugPos[2] - site[2]);
  const xyOk = xy < KITCHEN_THRESHOLDS.receptacleXy;
  const zOk = dz < KITCHEN_THRESHOLDS.receptacleZ;
  const g = gripperFar(eefPos, mugPos);
  const success = xyOk && zOk && g.far;
  return {
    success,
    reason:
      `mug ${fmt(xy)} m from the receptacle site in xy ${xyOk ? "<" : ">="} ${KITCHEN_THRESHOLDS.receptacleXy}, ` +
      `|dz| ${fmt(dz)} m ${zOk ? "<" : ">="} ${KITCHEN_THRESHOLDS.receptacleZ}, ${farText(g)}`,
    metrics: { xy_m: xy, dz_m: dz, gripper_m: g.distance },
  };
}

/** An interior box as RoboCasa's `get_int_sites`: corner p0 and the corners one edge away along x, y and z. */
export interface InteriorRegion {
  readonly p0: Vec3;
  readonly px: Vec3;
  readonly py: Vec3;
  readonly pz: Vec3;
}

/** Rotates a point about z by yaw (rad): RoboCasa places fixtures by position and yaw only. */
function yawRotate(p: Vec3, yaw: number): Vec3 {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c * p[0] - s * p[1], s * p[0] + c * p[1], p[2]];
}

/**
 * The world interior region of a box given in a fixture's frame (e.g. K1's `FixtureInfo.interior`), for a fixture
 * at `pose.pos` turned by `pose.yaw` about z (`get_pos_after_rel_offset`).
 */
export function interiorRegion(
  box: { readonly low: Vec3; readonly high: Vec3 },
  pose: { readonly pos: Vec3; readonly yaw: number },
): InteriorRegion {
  const { low: l, high: h } = box;
  assertFinite("interior box and pose", ...l, ...h, ...pose.pos, pose.yaw);
  const world = (p: Vec3): Vec3 => {
    const r = yawRotate(p, pose.yaw);
    return [r[0] + pose.pos[0], r[1] + pose.pos[1], r[2] + pose.pos[2]];
  };
  return {
    p0: world([l[0], l[1], l[2]]),
    px: world([h[0], l[1], l[2]]),
    py: world([l[0], h[1], l[2]]),
    pz: world([l[0], l[1], h[2]]),
  };
}

/**
 * The 8 world corners of an object's bounding box (`get_bbox_points`): the box [low, high] in the body frame,
 * rotated by the body quaternion (MuJoCo's order w, x, y, z) and moved to the body position.
 */
export function boxCorners(
  pos: Vec3,
  quatWxyz: readonly [number, number, number, number],
  box: { readonly low: Vec3; readonly high: Vec3 },
): Vec3[] {
  const [w, x, y, z] = quatWxyz;
  assertFinite("body pose and box", ...pos, w, x, y, z, ...box.low, ...box.high);
  const n = Math.hypot(w, x, y, z);
  if (!(n > 0)) throw new RangeError("body quaternion must be non-zero");
  const [qw, qx, qy, qz] = [w / n, x / n, y / n, z / n];
  const rot = (p: Vec3): Vec3 => {
    // v' = v + 2 q_v × (q_v × v + w v)
    const tx = qy * p[2] - qz * p[1] + qw * p[0];
    const ty = qz * p[0] - qx * p[2] + qw * p[1];
    const tz = qx * p[1] - qy * p[0] + qw * p[2];
    return [p[0] + 2 * (qy * tz - qz * ty), p[1] + 2 * (qz * tx - qx * tz), p[2] + 2 * (qx * ty - qy * tx)];
  };
  const corners: Vec3[] = [];
  for (const cx of [box.low[0], box.high[0]]) {
    for (const cy of [box.low[1], box.high[1]]) {
      for (const cz of [box.low[2], box.high[2]]) {
        const r = rot([cx, cy, cz]);
        corners.push([r[0] + pos[0], r[1] + pos[1], r[2] + pos[2]]);
      }
    }
  }
  return corners;
}

/**
 * `obj_inside_of`: all points inside some region, each axis test `u·p0 − th <= u·q <= u·px + th` with unnormalised
 * edge vectors (so the tolerance along an edge of length L is th / L metres). Also returns, for the region that
 * decided (the first that holds every point, else the one that came closest), the largest distance in metres by
 * which a point lies outside its band, tolerance included: negative when all are inside (then it is the margin).
 */
export function objInsideOf(
  points: readonly Vec3[],
  regions: readonly InteriorRegion[],
  th: number = KITCHEN_THRESHOLDS.insideTolerance,
): { inside: boolean; region: number; worstOutsideM: number } {
  if (points.length === 0) throw new RangeError("objInsideOf needs the object's bbox corners");
  if (regions.length === 0) throw new RangeError("objInsideOf needs at least one interior region");
  let best = Number.POSITIVE_INFINITY;
  let bestRegion = -1;
  for (let r = 0; r < regions.length; r++) {
    const { p0, px, py, pz } = regions[r];
    const axes: Array<[Vec3, Vec3]> = [
      [sub(px, p0), px],
      [sub(py, p0), py],
      [sub(pz, p0), pz],
    ];
    let inside = true;
    let worst = Number.NEGATIVE_INFINITY;
    for (const q of points) {
      for (const [u, end] of axes) {
        const len = Math.hypot(u[0], u[1], u[2]);
        if (!(len > 0)) throw new RangeError(`interior region ${r} has a zero-length edge`);
        const lo = dot(u, p0) - th;
        const hi = dot(u, end) + th;
        const s = dot(u, q);
        if (!(lo <= s && s <= hi)) inside = false;
        worst = Math.max(worst, (lo - s) / len, (s - hi) / len);
      }
    }
    if (inside) return { inside: true, region: r, worstOutsideM: worst };
    if (worst < best) {
      best = worst;
      bestRegion = r;
    }
  }
  return { inside: false, region: bestRegion, worstOutsideM: best };
}

/** PickPlaceCounterToCabinet: the object's 8 bbox corners inside the cabinet's interior, and the gripper far. */
export function pnpCounterToCabinetSuccess(input: {
  readonly objCorners: readonly Vec3[]; // boxCorners(...) of the object, world m
  readonly objPos: Vec3; // the object's body position, world m
  readonly cabinetRegions: readonly InteriorRegion[]; // interiorRegion(...) of the cabinet, world m
  readonly eefPos: Vec3;
}): PredicateResult {
  const ins = objInsideOf(input.objCorners, input.cabinetRegions);
  const g = gripperFar(input.eefPos, input.objPos);
  const success = ins.inside && g.far;
  const where = ins.inside
    ? `all ${input.objCorners.length} bbox corners inside the cabinet interior (th ${KITCHEN_THRESHOLDS.insideTolerance})`
    : `a bbox corner lies ${fmt(ins.worstOutsideM)} m outside the cabinet interior (tolerance included)`;
  return {
    success,
    reason: `${where}, ${farText(g)}`,
    metrics: { inside: ins.inside, outside_m: ins.worstOutsideM, gripper_m: g.distance },
  };
}

/** RoboCasa's `horizontal_radius` of an object: the norm of its bbox half-sizes in x and y. */
export function horizontalRadius(halfX: number, halfY: number): number {
  assertFinite("half sizes", halfX, halfY);
  return Math.hypot(halfX, halfY);
}

/** PickPlaceSinkToCounter: object on the container (contact, xy near its centre), container on counter, gripper far. */
export function pnpSinkToCounterSuccess(input: {
  readonly objPos: Vec3; // the object's body position, world m
  readonly containerPos: Vec3; // the container's body position, world m
  readonly containerHorizontalRadius: number; // horizontalRadius(bbox half x, half y), m
  readonly objTouchesContainer: boolean; // any MuJoCo contact between the two
  readonly containerTouchesCounter: boolean; // any MuJoCo contact between the container and the counter
  readonly eefPos: Vec3;
}): PredicateResult {
  const { objPos: o, containerPos: c } = input;
  assertFinite("positions and radius", ...o, ...c, input.containerHorizontalRadius);
  const xy = Math.hypot(o[0] - c[0], o[1] - c[1]);
  const limit = KITCHEN_THRESHOLDS.receptacleRadiusFraction * input.containerHorizontalRadius;
  const centred = xy < limit;
  const g = gripperFar(input.eefPos, o);
  const success = input.objTouchesContainer && centred && input.containerTouchesCounter && g.far;
  return {
    success,
    reason:
      `object ${input.objTouchesContainer ? "touches" : "does not touch"} the container, ` +
      `${fmt(xy)} m from its centre in xy ${centred ? "<" : ">="} ${fmt(limit)} (0.7 × radius ` +
      `${fmt(input.containerHorizontalRadius)}); ` +
      `container ${input.containerTouchesCounter ? "touches" : "does not touch"} ` +
      `the counter; ${farText(g)}`,
    metrics: {
      obj_touches_container: input.objTouchesContainer,
      xy_m: xy,
      container_touches_counter: input.containerTouchesCounter,
      gripper_m: g.distance,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reset draws (u01: a uniform draw in [0, 1) from the episode's generator)

/** TurnOffStove's reset: the chosen knob turned on to U(0.50 rad, joint max) (`set_knob_state(mode="on")`). */
export function stoveKnobOnDraw(u01: () => number, knobJointMax: number): number {
  assertFinite("knob joint max", knobJointMax);
  const low = KITCHEN_THRESHOLDS.stoveKnobOnMin;
  if (!(knobJointMax > low)) throw new RangeError(`knob joint max must exceed ${low} rad, got ${knobJointMax}`);
  return low + (knobJointMax - low) * u01();
}

/**
 * `set_joint_state(min, max)`: a joint set to a uniform draw between the positions whose normalised values are
 * `min` and `max` (for a negative-min range the order flips, as RoboCasa's does). `open_door` is (0.90, 1.0)
 * (PickPlaceCounterToCabinet's reset, once per door joint); `close_door` is (0, 0).
 */
export function jointStateDraw(u01: () => number, range: readonly [number, number], min: number, max: number): number {
  if (!(min >= 0 && max <= 1 && min <= max)) throw new RangeError(`need 0 <= min <= max <= 1, got ${min}, ${max}`);
  const a = jointValueAt(min, range);
  const b = jointValueAt(max, range);
  const [lo, hi] = range[0] >= 0 ? [a, b] : [b, a];
  return lo + (hi - lo) * u01();
}
