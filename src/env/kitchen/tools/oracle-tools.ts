/**
 * The kitchens' oracle tools, `ctx.tools.oracle.<name>(...)`: what the simulator knows and a real robot would have
 * to find on pixels (object and fixture poses, joint angles, site positions, interiors). They exist for debugging a
 * script and only in the named oracle mode (registry EnvVariant `tools: "oracle"`, `enpire run --oracle`), whose runs
 * carry their own fingerprint and which no evaluation accepts (`--eval` refuses it). Metres, radians for joints,
 * degrees for headings, world frame.
 */
import type { ToolHost, ToolSet } from "../../../core/tools.js";
import { quatYaw } from "../../mujoco/tools/rpy.js";
import { KitchenTask } from "../kitchen-tasks.js";
import type { KitchenRoles } from "../scene.js";

function kitchenTask(host: ToolHost): KitchenTask {
  const env = host.env?.();
  if (!(env instanceof KitchenTask)) throw new Error("the oracle tools work during a trial of a kitchen task");
  return env;
}

/** The fixture or object a role (or a fixture name) names, or an Error listing the roles. */
function fixtureOf(task: KitchenTask, roleOrName: string) {
  const kitchen = task.episodeKitchen;
  const roles = kitchen.roles as KitchenRoles & Record<string, string>;
  const name = roles[roleOrName] ?? roleOrName;
  const f = kitchen.fixtures.find((x) => x.name === name);
  if (!f)
    throw new Error(`no fixture or role "${roleOrName}"; roles: ${Object.keys(roles).join(", ")} (or a fixture name)`);
  return f;
}

/** The "oracle" tool set for one sandboxed policy of a kitchen task in oracle mode. */
export function kitchenOracleTools(host: ToolHost): ToolSet {
  const functions = {
    pose(role: string) {
      const task = kitchenTask(host);
      const f = fixtureOf(task, role);
      const scene = task.toolView().scene;
      const q = scene.bodyQuat(f.body);
      return { name: f.name, body: f.body, pos: scene.bodyPos(f.body), quat: q, yawDeg: (quatYaw(q) * 180) / Math.PI };
    },
    joints(role: string) {
      const task = kitchenTask(host);
      const f = fixtureOf(task, role);
      const scene = task.toolView().scene;
      const range = scene.model.jnt_range as Float64Array;
      return f.joints.map((j) => {
        const id = scene.id("joint", j);
        return { name: j, qpos: scene.qposView()[scene.qposAdr(j)], range: [range[2 * id], range[2 * id + 1]] };
      });
    },
    sites(role: string) {
      const task = kitchenTask(host);
      const f = fixtureOf(task, role);
      const scene = task.toolView().scene;
      return Object.fromEntries(Object.entries(f.sites).map(([k, site]) => [k, scene.sitePos(site)]));
    },
    interior(role: string) {
      const task = kitchenTask(host);
      const f = fixtureOf(task, role);
      if (!f.interior) throw new Error(`${f.name} has no interior`);
      const scene = task.toolView().scene;
      const m = scene.bodyMat(f.body);
      const p = scene.bodyPos(f.body);
      const { low, high } = f.interior;
      // the interior box's 8 corners in the world
      const corners: number[][] = [];
      for (const x of [low[0], high[0]])
        for (const y of [low[1], high[1]])
          for (const z of [low[2], high[2]])
            corners.push([0, 1, 2].map((i) => p[i] + m[3 * i] * x + m[3 * i + 1] * y + m[3 * i + 2] * z));
      return { name: f.name, corners };
    },
  };
  return { namespace: "oracle", describe: KITCHEN_ORACLE_DESCRIBE, functions };
}

export const KITCHEN_ORACLE_DESCRIBE: Readonly<Record<string, string>> = Object.freeze({
  pose: "pose(role | fixture name) → { name, body, pos m, quat wxyz, yawDeg } (oracle mode only: the simulator's pose)",
  joints: "joints(role | fixture name) → [{ name, qpos rad | m, range }] (oracle mode only)",
  sites: "sites(role | fixture name) → { site: [x, y, z] m } (oracle mode only), e.g. the coffee machine's receptacle",
  interior: "interior(role | fixture name) → { name, corners: 8 × [x, y, z] m } (oracle mode only)",
});
