/**
 * How Push-T's recorded observations split into a dataset's parts, per observation type, as LeRobot's pusht dataset
 * names them: the pusher's position is the state, the block (its pose or its keypoints) the environment state, and an
 * action is the pusher's target.
 */
import type { DatasetLayout } from "../../../core/env.js";
import { InvalidInputError } from "../../../core/errors.js";
import type { PushTObsType } from "./pusht.js";

const AGENT = ["agent_x", "agent_y"];
const ACTION = ["target_x", "target_y"];
const KEYPOINTS = Array.from({ length: 8 }, (_, i) => [`keypoint_${i}_x`, `keypoint_${i}_y`]).flat();

/**
 * The layout of Push-T's observations of type `obsType`; "pixels" has neither state nor environment state.
 * @example pushtDatasetLayout("state").split([10, 20, 256, 256, 0.5]) // { state: [10, 20], envState: [256, 256, 0.5] }
 */
export function pushtDatasetLayout(obsType: PushTObsType): DatasetLayout {
  switch (obsType) {
    case "state":
      return {
        state: AGENT,
        envState: ["block_x", "block_y", "block_angle"],
        action: ACTION,
        split: (o) => {
          const s = numbers(o, 5, "a Push-T state");
          return { state: s.slice(0, 2), envState: s.slice(2, 5) };
        },
      };
    case "keypoints":
      return {
        state: AGENT,
        envState: KEYPOINTS,
        action: ACTION,
        split: (o) => {
          const k = numbers(o, 18, "Push-T keypoints and agent position");
          return { state: k.slice(16, 18), envState: k.slice(0, 16) };
        },
      };
    case "pixels_agent_pos":
      return {
        state: AGENT,
        envState: null,
        action: ACTION,
        split: (o) => ({ state: numbers((o as { agent_pos?: unknown })?.agent_pos, 2, "agent_pos"), envState: null }),
      };
    case "pixels":
      return { state: null, envState: null, action: ACTION, split: () => ({ state: null, envState: null }) };
  }
}

function numbers(v: unknown, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === "number")) {
    throw new InvalidInputError(`expected ${what} as ${n} numbers in events.jsonl, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}
