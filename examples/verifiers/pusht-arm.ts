// pusht-arm's own pixel verifier (src/env/tasks/pusht-arm/pixel-verifier.ts) over a snapshot's top camera, for
// `enpire verifier eval --task pusht-arm --verifier examples/verifiers/pusht-arm.ts`. The T's top face is 0.025 m
// high and the goal (0.37, 0, 0) as the task's header gives them.
import { judgePixels } from "../../src/env/tasks/pusht-arm/pixel-verifier.js";

interface Frame {
  width: number;
  height: number;
  rgb: Uint8Array;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}

export function verify(s: { cameras: Record<string, Frame> }) {
  const f = s.cameras.pusht_top ?? s.cameras.top;
  const v = judgePixels(f.rgb, f.width, f.height, f, 0.025, [0.37, 0, 0]);
  return { success: v.success, reason: v.reason ?? undefined, views: { top: v.success } };
}
