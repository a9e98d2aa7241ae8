/**
 * Small helpers that write MJCF (MuJoCo's XML) from primitives, so scenes are our own code and no third-party
 * assets: attribute escaping, compact numbers, and one function per element kind (body, geom, joint, site, camera,
 * actuator, equality). Each returns a string; bodies nest their children. Attributes whose value is undefined are
 * left out, so MuJoCo's defaults apply.
 * @example
 * body({ name: "pin", pos: [0, 0, 0.1] }, [freejoint("pin"), geom({ type: "capsule", size: [0.002, 0.01] })])
 */

export type Vec3 = readonly [number, number, number];
/** An attribute value: a number, a vector of numbers, a string or a boolean ("true"/"false"). */
export type AttrValue = number | readonly number[] | string | boolean | undefined;
export type Attrs = Record<string, AttrValue>;

/** A number written compactly: up to 9 significant digits, no trailing zeros, "-0" as "0". */
export function num(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`MJCF number must be finite, got ${x}`);
  if (x === 0) return "0";
  return String(Number.parseFloat(x.toPrecision(9)));
}

/** Escapes text for a double-quoted XML attribute. */
export function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function attrText(value: Exclude<AttrValue, undefined>): string {
  if (typeof value === "number") return num(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return escapeAttr(value);
  return value.map(num).join(" ");
}

/** One element: `<tag a="1" b="2 3"/>`, or with children `<tag ...>children</tag>`. */
export function element(tag: string, attrs: Attrs = {}, children: readonly string[] = []): string {
  const parts = Object.entries(attrs)
    .filter((e): e is [string, Exclude<AttrValue, undefined>] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${attrText(v)}"`)
    .join("");
  if (children.length === 0) return `<${tag}${parts}/>`;
  return `<${tag}${parts}>\n${children.join("\n")}\n</${tag}>`;
}

export interface BodyAttrs extends Attrs {
  name?: string;
  pos?: Vec3;
  quat?: readonly [number, number, number, number];
  euler?: Vec3;
  gravcomp?: number; // 1 = gravity compensated (the arm's links)
}
export const body = (attrs: BodyAttrs, children: readonly string[] = []): string => element("body", attrs, children);

export interface GeomAttrs extends Attrs {
  name?: string;
  type?: "plane" | "sphere" | "capsule" | "ellipsoid" | "cylinder" | "box";
  size?: readonly number[];
  pos?: Vec3;
  fromto?: readonly [number, number, number, number, number, number];
  quat?: readonly [number, number, number, number];
  euler?: Vec3;
  rgba?: readonly [number, number, number, number];
  mass?: number;
  density?: number;
  friction?: readonly number[];
  condim?: number;
  contype?: number;
  conaffinity?: number;
  solref?: readonly number[];
  solimp?: readonly number[];
  margin?: number;
  priority?: number;
  group?: number;
}
export const geom = (attrs: GeomAttrs): string => element("geom", attrs);

export interface JointAttrs extends Attrs {
  name?: string;
  type?: "hinge" | "slide" | "ball" | "free";
  axis?: Vec3;
  pos?: Vec3;
  range?: readonly [number, number];
  damping?: number;
  armature?: number;
  stiffness?: number;
  frictionloss?: number;
}
export const joint = (attrs: JointAttrs): string => element("joint", attrs);
export const freejoint = (name: string): string => element("freejoint", { name });

export interface SiteAttrs extends Attrs {
  name: string;
  pos?: Vec3;
  size?: readonly number[];
  rgba?: readonly [number, number, number, number];
  group?: number;
}
export const site = (attrs: SiteAttrs): string => element("site", attrs);

export interface CameraAttrs extends Attrs {
  name: string;
  pos?: Vec3;
  xyaxes?: readonly [number, number, number, number, number, number];
  quat?: readonly [number, number, number, number];
  fovy?: number; // vertical field of view, degrees
  mode?: "fixed" | "track" | "trackcom" | "targetbody" | "targetbodycom";
  target?: string;
}
export const camera = (attrs: CameraAttrs): string => element("camera", attrs);

/**
 * A camera at `pos` looking at `target`, with the image's up close to world +z (or +y when looking straight down).
 * MJCF's xyaxes are the camera's x (right) and y (up) axes; it looks along −z.
 */
export function lookAt(name: string, pos: Vec3, target: Vec3, fovy = 45): string {
  const f = normalise([target[0] - pos[0], target[1] - pos[1], target[2] - pos[2]]);
  const worldUp: Vec3 = Math.abs(f[2]) > 0.99 ? [0, 1, 0] : [0, 0, 1];
  const right = normalise(cross(f, worldUp));
  const up = cross(right, f);
  return camera({ name, pos, xyaxes: [...right, ...up] as unknown as CameraAttrs["xyaxes"], fovy });
}

export interface PositionActuatorAttrs extends Attrs {
  name: string;
  joint: string;
  kp: number; // N·m/rad (hinge) or N/m (slide)
  kv?: number; // damping on the joint's velocity
  ctrlrange?: readonly [number, number];
  forcerange?: readonly [number, number];
}
/** A position servo; with a forcerange the force is clamped (forcelimited), so a bad contact stalls it safely. */
export function positionActuator(attrs: PositionActuatorAttrs): string {
  return element("position", {
    ...attrs,
    ctrllimited: attrs.ctrlrange ? "true" : undefined,
    forcelimited: attrs.forcerange ? "true" : undefined,
  });
}

/** A joint equality: joint2 follows joint1 as q2 = polycoef[0] + polycoef[1]·q1 (e.g. coupled gripper fingers). */
export function jointEquality(name: string, joint1: string, joint2: string, polycoef = [0, 1, 0, 0, 0]): string {
  return element("joint", { name, joint1, joint2, polycoef });
}

/** A whole model: options, defaults, assets, the world body's children, actuators, equalities, sensors. */
export function mujocoModel(parts: {
  name: string;
  option?: Attrs;
  visual?: string;
  defaults?: readonly string[];
  world: readonly string[];
  actuators?: readonly string[];
  equalities?: readonly string[];
  contactExcludes?: readonly (readonly [string, string])[];
  sensors?: readonly string[];
}): string {
  const sections = [
    element("compiler", { angle: "radian", autolimits: "true" }),
    element("option", parts.option ?? {}),
  ];
  if (parts.visual) sections.push(parts.visual);
  if (parts.defaults?.length) sections.push(element("default", {}, parts.defaults));
  sections.push(element("worldbody", {}, parts.world));
  if (parts.actuators?.length) sections.push(element("actuator", {}, parts.actuators));
  if (parts.equalities?.length) sections.push(element("equality", {}, parts.equalities));
  if (parts.contactExcludes?.length) {
    const excludes = parts.contactExcludes.map(([body1, body2]) => element("exclude", { body1, body2 }));
    sections.push(element("contact", {}, excludes));
  }
  if (parts.sensors?.length) sections.push(element("sensor", {}, parts.sensors));
  return element("mujoco", { model: parts.name }, sections);
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (n === 0) throw new Error("cannot normalise a zero vector");
  return [v[0] / n, v[1] / n, v[2] / n];
}
