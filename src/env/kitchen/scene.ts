/**
 * The kitchen scene generator, indexed like RoboCasa's scenes by (seed, layout_id 1..60, style_id 1..60):
 * - layout: which base units stand where along one counter run or an L of two (every third layout is an L), which
 *   counters carry the coffee machine, the stand mixer and the loose object, where wall cabinets hang, which side the
 *   sink's drainboard is on (drawn from the layout id only);
 * - style: sizes, colours, handle type and door arrangement (fixtures/style.ts, from the style id only);
 * - seed: small shifts of the appliances and objects, the mug and the two everyday objects (from the seed only).
 * The same triplet always gives the same MJCF, byte for byte.
 *
 * Every layout holds every task's fixture: a wall cabinet with doors over a counter with an object on it (`cab0`,
 * `obj0`), a drawer (`drawer0`), a sink with a faucet handle, an object in its basin and a tray on its drainboard
 * (`sink0`, `obj1`, `tray0`), a stove with four knobs (`stove0`), a stand mixer (`mixer0`), a coffee machine and a
 * mug beside it (`coffee0`, `mug0`); `roles` names them. World frame: floor at z = 0, the main run's fronts on
 * y = 0 facing −y, its units from x = 0 towards +x, the wall at y = counter depth; an L's second run stands along
 * x ∈ [−depth, 0] towards −y, facing +x. The robot starts in front of the main run, facing it.
 */
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import { element, geom } from "../mujoco/mjcf.js";
import { COFFEE_MACHINE, coffeeMachine, STAND_MIXER, standMixer } from "./fixtures/appliances.js";
import { wallCabinet } from "./fixtures/cabinet.js";
import { counterUnit, drawerUnit } from "./fixtures/counter.js";
import { everydayObject, type LooseObject, mug, OBJECT_CATALOGUE, tray } from "./fixtures/objects.js";
import {
  approachPose,
  type BasePose,
  type Box3,
  FIXTURE_BITS,
  type Fixture,
  type FixtureInfo,
  type Placement,
  type Rgba,
  slab,
  toWorld,
  type Vec3,
} from "./fixtures/parts.js";
import { SINK, sinkUnit } from "./fixtures/sink.js";
import { stoveUnit } from "./fixtures/stove.js";
import { type KitchenStyle, kitchenStyle, STYLE_COUNT } from "./fixtures/style.js";
import { MOBILE } from "./robot.js";

export type { BasePose, Box3, FixtureInfo, FixtureKind } from "./fixtures/parts.js";

export const LAYOUT_COUNT = 60;

/** Generator constants. */
export const KITCHEN = Object.freeze({
  counterWidths: [0.6, 0.75, 0.9] as const, // m, plain base units
  drawerWidths: [0.6, 0.75] as const, // m, drawer units
  baseStandoff: 0.6, // m, an approach pose's base centre in front of the counter's front
  baseClearance: 0.01, // m an approach pose's base footprint keeps from a counter of the other run (an L's corner)
  // the sink task's tray: plum plastic, a colour no style, object or mug has (the colour segmenter tells it apart)
  trayRgba: [0.45, 0.2, 0.55, 1] as Rgba,
  robotStandoff: 0.75, // m, the robot's start in front of the main run's middle
  roomHeight: 2.4, // m, top of the scene's bounds
  floorMargin: 1.6, // m, free floor in front of the counters inside the bounds
  applianceFront: 0.06, // m, appliances stand this far behind the counter's front
  objectFront: 0.2, // m, loose objects on a counter: their centre this far behind its front
  jitter: 0.03, // m, the seed's largest shift of an appliance or object along the counter
  extraCabinetChance: 0.6, // probability of a wall cabinet over a unit that may carry one, besides cab0's
  maxCabinets: 3,
});

export interface KitchenTriplet {
  seed: number; // 0..2^32−1
  layoutId: number; // 1..60
  styleId: number; // 1..60
}

/** Which fixture or object each task uses. */
export interface KitchenRoles {
  cabinet: string; // a wall cabinet with door(s); `counterObject` stands on the counter under it
  drawer: string;
  sink: string;
  stove: string;
  standMixer: string;
  coffeeMachine: string;
  mug: string; // on the coffee machine's counter
  counterObject: string; // on the counter under `cabinet`
  sinkObject: string; // in the sink's basin
  container: string; // the tray on the sink's drainboard
}

export interface KitchenScene {
  triplet: KitchenTriplet;
  mjcf: string; // <worldbody> children: light, floor, walls, fixtures, objects
  fixtures: FixtureInfo[];
  roles: KitchenRoles;
  robotBase: BasePose; // where the robot's base starts
  bounds: Box3; // the room: floor in front of the counters up to the walls, 0..roomHeight
  style: KitchenStyle;
  layout: KitchenLayout;
}

type UnitKind = "sink" | "stove" | "drawer" | "counter";
type Holds = "coffee" | "mixer" | "object" | "none";

/** One base unit of a run. */
export interface LayoutUnit {
  kind: UnitKind;
  width: number; // m; 0 for the sink and stove, whose widths come from the style
  holds: Holds; // what stands on its counter
  cabinet: boolean; // a wall cabinet over it
}

export interface KitchenLayout {
  id: number;
  shape: "straight" | "L";
  main: LayoutUnit[]; // along +x from the corner
  side: LayoutUnit[]; // an L's second run, from the corner towards −y
  drainboard: "left" | "right";
  singleHinge: "left" | "right"; // hinge side of single-door cabinets
}

/** The layout with this id (1..60), drawn from the id only. */
export function kitchenLayout(layoutId: number): KitchenLayout {
  checkId("layoutId", layoutId, LAYOUT_COUNT);
  const rng = new RandomState(0x1a700000 + layoutId);
  const pick = <T>(list: readonly T[]): T => list[rng.randint(0, list.length)];
  const unit = (kind: UnitKind, holds: Holds = "none"): LayoutUnit => ({
    kind,
    holds,
    width: kind === "counter" ? pick(KITCHEN.counterWidths) : kind === "drawer" ? pick(KITCHEN.drawerWidths) : 0,
    cabinet: false,
  });
  const units = [
    unit("sink"),
    unit("stove"),
    unit("drawer"),
    unit("counter", "coffee"),
    unit("counter", "mixer"),
    unit("counter", "object"),
  ];
  const extras = rng.randint(0, 3);
  for (let i = 0; i < extras; i++) units.push(unit(rng.randomSample() < 0.5 ? "counter" : "drawer"));
  for (let i = units.length - 1; i > 0; i--) {
    const j = rng.randint(0, i + 1);
    [units[i], units[j]] = [units[j], units[i]];
  }
  // wall cabinets: always over the object's counter; elsewhere by chance, never over the stove (its hood) or the
  // mixer (its head tilts up into the space)
  let cabinets = 0;
  for (const u of units) {
    if (u.holds === "object") {
      u.cabinet = true;
      cabinets++;
    }
  }
  for (const u of units) {
    const allowed = !u.cabinet && u.kind !== "stove" && u.holds !== "mixer";
    if (allowed && rng.randomSample() < KITCHEN.extraCabinetChance && cabinets < KITCHEN.maxCabinets) {
      u.cabinet = true;
      cabinets++;
    }
  }
  const shape = layoutId % 3 === 0 ? "L" : "straight";
  const sideCount = shape === "L" ? rng.randint(2, 4) : 0;
  return {
    id: layoutId,
    shape,
    side: units.slice(0, sideCount),
    main: units.slice(sideCount),
    drainboard: rng.randomSample() < 0.5 ? "left" : "right",
    singleHinge: rng.randomSample() < 0.5 ? "left" : "right",
  };
}

/**
 * The kitchen of a (seed, layout, style) triplet.
 * @example
 * const scene = kitchenScene({ seed: 0, layoutId: 1, styleId: 1 });
 * scene.fixtures.find((f) => f.name === scene.roles.cabinet)?.joints; // ["cab0_door_l", "cab0_door_r"]
 */
export function kitchenScene(triplet: KitchenTriplet): KitchenScene {
  const { seed, layoutId, styleId } = triplet;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidInputError(`a kitchen seed is an integer in 0..4294967295; got ${seed}`);
  }
  const layout = kitchenLayout(layoutId);
  checkId("styleId", styleId, STYLE_COUNT);
  const style = kitchenStyle(styleId);
  const rng = new RandomState(seed);
  const jitter = () => (2 * rng.randomSample() - 1) * KITCHEN.jitter;
  const D = style.counterDepth;
  const H = style.counterHeight;

  const parts: string[] = [];
  const fixtures: FixtureInfo[] = [];
  const counters = { counter: 0, drawer: 0, cab: 0 };
  const add = (f: Fixture, approachFrom: Placement, localX = 0) => {
    parts.push(f.mjcf);
    const approach = clearOfTheOtherRun(approachPose(approachFrom, [localX, 0], KITCHEN.baseStandoff));
    for (const info of f.infos) fixtures.push({ ...info, approach });
  };
  const addObject = (o: LooseObject, approachFrom: Placement, localX: number) => {
    parts.push(o.mjcf);
    const approach = clearOfTheOtherRun(approachPose(approachFrom, [localX, 0], KITCHEN.baseStandoff));
    fixtures.push({ ...o.info, approach });
  };
  /**
   * In an L, an approach pose near the corner would put the base's footprint into the other run (the side run and
   * the corner block fill x ∈ [−D, 0] beside the main run's first units; the main run and the corner fill y ∈ [0, D]
   * beside the side run's first units): slide it along its own run, away from the corner, until the footprint is
   * KITCHEN.baseClearance clear. The base still faces its fixture, a little to one side of it.
   */
  const clearOfTheOtherRun = (pose: BasePose): BasePose => {
    if (layout.shape !== "L") return pose;
    const across = MOBILE.baseHalf[1]; // the base's half width (it approaches head-on: its length is along the heading)
    const facesY = Math.abs(Math.sin(pose.yaw)) > 0.5; // a main-run approach faces +y; a side-run one −x
    const [x, y] = pose.pos;
    if (facesY) {
      const into = across + KITCHEN.baseClearance - x; // how far the footprint reaches past x = 0
      return into > 0 ? { pos: [round4(x + into), y], yaw: pose.yaw } : pose;
    }
    const into = y + across + KITCHEN.baseClearance; // how far it reaches past y = 0
    return into > 0 ? { pos: [x, round4(y - into)], yaw: pose.yaw } : pose;
  };
  const unitWidth = (u: LayoutUnit) =>
    u.kind === "sink" ? style.sinkWidth : u.kind === "stove" ? style.stoveWidth : u.width;

  // where each unit stands: the main run along +x, an L's side run along −y facing +x, a corner block between
  const placed: { unit: LayoutUnit; place: Placement; width: number }[] = [];
  let x = 0;
  for (const u of layout.main) {
    const w = unitWidth(u);
    placed.push({ unit: u, place: { pos: [x + w / 2, 0, 0], yaw: 0 }, width: w });
    x += w;
  }
  const mainLength = x;
  let y = 0;
  for (const u of layout.side) {
    const w = unitWidth(u);
    placed.push({ unit: u, place: { pos: [0, y - w / 2, 0], yaw: Math.PI / 2 }, width: w });
    y -= w;
  }
  const sideLength = -y;
  if (layout.shape === "L") {
    const place: Placement = { pos: [-D / 2, 0, 0], yaw: 0 };
    add(counterUnit({ name: "corner", place, width: D, style, fronts: "none" }), place);
  }

  // the object's cabinet is cab0, whichever unit it hangs over
  const cabinetOrder = placed.filter((p) => p.unit.cabinet).sort((a, b) => rank(a.unit) - rank(b.unit));
  const cabinetName = new Map(cabinetOrder.map((p, i) => [p, `cab${i}`]));
  let drawerName = "";
  const roles: Partial<KitchenRoles> = {};
  for (const p of placed) {
    const { unit, place, width } = p;
    if (unit.kind === "sink") {
      add(sinkUnit({ name: "sink0", place, width, style, drainboard: layout.drainboard }), place);
      roles.sink = "sink0";
      // the tray on the drainboard, an everyday object in the basin
      const w = width / 2;
      const basinEdge = -w + SINK.margin + SINK.basinWidth; // the basin's edge next to the drainboard (right case)
      const mirror = layout.drainboard === "right" ? 1 : -1;
      const drainX = (mirror * (basinEdge + w)) / 2;
      const trayAt = toWorld(place, [drainX, D / 2 + jitter() / 3, H]);
      addObject(tray("tray0", trayAt, KITCHEN.trayRgba), place, drainX);
      const basinX = mirror * (-w + SINK.margin + SINK.basinWidth / 2);
      const basinY = (SINK.basinFront + D - SINK.basinBack) / 2;
      const kind = rng.randint(0, OBJECT_CATALOGUE.length);
      const inSink = toWorld(place, [basinX + jitter(), basinY + jitter(), H - style.basinDepth]);
      addObject(everydayObject("obj1", kind, inSink, place.yaw + rng.randomSample() * Math.PI), place, basinX);
      roles.sinkObject = "obj1";
      roles.container = "tray0";
    } else if (unit.kind === "stove") {
      add(stoveUnit({ name: "stove0", place, width, style }), place);
      roles.stove = "stove0";
    } else if (unit.kind === "drawer") {
      const name = `counter${counters.counter++}`;
      const drawer = `drawer${counters.drawer++}`;
      drawerName ||= drawer;
      add(drawerUnit({ name, drawer, place, width, style }), place);
    } else {
      const name = `counter${counters.counter++}`;
      add(counterUnit({ name, place, width, style, fronts: unit.cabinet ? "doors" : "drawers" }), place);
      const edge = width / 2 - 0.16; // an appliance's centre stays this far from the unit's edges
      if (unit.holds === "coffee") {
        const side = rng.randomSample() < 0.5 ? -1 : 1;
        const ox = side * Math.max(0, edge - 0.05) + jitter() / 3;
        const at = toWorld(place, [ox, KITCHEN.applianceFront, H]);
        add(
          coffeeMachine({ name: "coffee0", place: { pos: at, yaw: place.yaw }, colour: style.colours.appliance }),
          place,
          ox,
        );
        // the mug beside the machine, towards the unit's middle
        const mx = ox - side * (COFFEE_MACHINE.footprint[0] / 2 + 0.1) + jitter() / 3;
        const mugAt = toWorld(place, [mx, KITCHEN.objectFront + jitter() / 2, H]);
        addObject(mug("mug0", mugAt, place.yaw + rng.randomSample() * 2 * Math.PI, rng), place, mx);
        roles.coffeeMachine = "coffee0";
        roles.mug = "mug0";
      } else if (unit.holds === "mixer") {
        const ox = Math.max(-edge, Math.min(edge, jitter() * 3));
        const at = toWorld(place, [ox, KITCHEN.applianceFront, H]);
        add(
          standMixer({ name: "mixer0", place: { pos: at, yaw: place.yaw }, colour: style.colours.accent }),
          place,
          ox,
        );
        roles.standMixer = "mixer0";
      } else if (unit.holds === "object") {
        const ox = jitter() * 3;
        const kind = rng.randint(0, OBJECT_CATALOGUE.length);
        const at = toWorld(place, [ox, KITCHEN.objectFront + jitter(), H]);
        addObject(everydayObject("obj0", kind, at, place.yaw + rng.randomSample() * Math.PI), place, ox);
        roles.counterObject = "obj0";
      }
    }
    if (unit.cabinet) {
      const name = cabinetName.get(p) as string;
      const doors = width >= 0.9 || (style.doors === "double" && width >= 0.75) ? 2 : 1;
      const at = toWorld(place, [0, D - style.upperDepth, H + style.upperGap]);
      add(
        wallCabinet({ name, place: { pos: at, yaw: place.yaw }, width, style, doors, hinge: layout.singleHinge }),
        place,
      );
      if (unit.holds === "object") roles.cabinet = name;
    }
  }
  roles.drawer = drawerName;

  // the room: floor, the wall behind each run, a light
  const low: Vec3 = [layout.shape === "L" ? -D - 0.05 : -0.3, -Math.max(KITCHEN.floorMargin, sideLength + 0.3), 0];
  const high: Vec3 = [mainLength + 0.3, D + 0.05, KITCHEN.roomHeight];
  const room = [
    element("light", {
      name: "kitchen_light",
      pos: [mainLength / 2, -1, 2.3],
      dir: [0, 0.4, -1],
      directional: "true",
      diffuse: [0.7, 0.7, 0.7],
    }),
    geom({
      name: "floor",
      type: "plane",
      pos: [(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, 0],
      size: [(high[0] - low[0]) / 2 + 1, (high[1] - low[1]) / 2 + 1, 0.1],
      rgba: style.colours.floor,
      ...FIXTURE_BITS,
    }),
    slab([low[0], D, 0], [high[0], D + 0.05, KITCHEN.roomHeight], style.colours.wall, {
      name: "wall_back",
      ...FIXTURE_BITS,
    }),
  ];
  if (layout.shape === "L") {
    room.push(
      slab([-D - 0.05, low[1], 0], [-D, D, KITCHEN.roomHeight], style.colours.wall, {
        name: "wall_left",
        ...FIXTURE_BITS,
      }),
    );
  }
  const robotBase: BasePose = { pos: [round4(mainLength / 2), -KITCHEN.robotStandoff], yaw: round4(Math.PI / 2) };
  return {
    triplet: { seed, layoutId, styleId },
    mjcf: [...room, ...parts].join("\n"),
    fixtures,
    roles: roles as KitchenRoles,
    robotBase,
    bounds: { low, high },
    style,
    layout,
  };
}

/** Fixture names of a kind, in scene order. */
export function fixturesOfKind(scene: KitchenScene, kind: FixtureInfo["kind"]): FixtureInfo[] {
  return scene.fixtures.filter((f) => f.kind === kind);
}

/** Where a mixer would stand, and the coffee machine: exported for the tasks' reset ranges. */
export { COFFEE_MACHINE, STAND_MIXER };

function rank(u: LayoutUnit): number {
  return u.holds === "object" ? 0 : 1;
}

function checkId(what: string, id: number, count: number): void {
  if (!Number.isInteger(id) || id < 1 || id > count) {
    throw new InvalidInputError(`${what} is an integer in 1..${count}; got ${id}`);
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
