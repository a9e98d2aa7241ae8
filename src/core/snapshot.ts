/**
 * Labelled snapshots: what a verifier may see at the end of a trial (or at a step within it), and the ground-truth
 * verdict of the simulator's state predicate beside it, for building and checking verifiers from examples (the EN
 * stage of the paper; src/rollout/verifier/). Three shapes:
 *   VerifierInput     what a verifier's verify() is handed: frames from every camera (RGB and depth; never the
 *                     segmentation ids, which are privileged), the task's state observation with its names, the
 *                     task id and version. No seed, step or label, so a verifier cannot look its answer up.
 *   LabelledSnapshot  a VerifierInput with its label (success + reason) and where it came from (seed, trial, step).
 *   SnapshotMeta      the JSON part of a snapshot on disk (`snapshot.json`), naming the image files beside it.
 */
import { z } from "zod";

/** Pinhole intrinsics in pixels (OpenCV convention: pixel centres at integer coordinates). */
export const IntrinsicsSchema = z.object({ fx: z.number(), fy: z.number(), cx: z.number(), cy: z.number() });

/** Camera-to-world pose of the OpenCV camera frame (x right, y down, z forward); rotation row-major 3×3. */
export const ExtrinsicsSchema = z.object({
  position: z.tuple([z.number(), z.number(), z.number()]),
  rotation: z.array(z.number()).length(9),
});

/** One camera's frame as a verifier sees it. */
export interface SnapshotFrame {
  width: number;
  height: number;
  rgb: Uint8Array; // width × height × 3, row-major, top row first
  depth: Float32Array | null; // m along the optical axis; Infinity where nothing was seen
  intrinsics: z.infer<typeof IntrinsicsSchema>;
  extrinsics: z.infer<typeof ExtrinsicsSchema>;
}

/** What verify(snapshot) is handed. */
export interface VerifierInput {
  task: { id: string; version: number };
  cameras: Record<string, SnapshotFrame>; // by camera name: top, left, right, <arm>_wrist …
  proprio: number[]; // the task's state observation (for the 3D tasks: the arm's proprioception first)
  proprioNames: string[]; // one name per element, with units, e.g. "ee z m"
}

/** The ground truth: the simulator's state predicate at the snapshot's moment. */
export const SnapshotLabelSchema = z.object({
  success: z.boolean(),
  reason: z.string().nullable(), // the predicate's failure reason, e.g. "too high: tip 3.2 mm above the hole floor"
});
export type SnapshotLabel = z.infer<typeof SnapshotLabelSchema>;

/** Where a snapshot came from. */
export const SnapshotOriginSchema = z.object({
  seed: z.number().int().nonnegative(), // the episode's reset seed
  trial: z.string(), // a reference to the trial, e.g. "heuristic/seed-100003"
  policy: z.string(), // the policy that ran (its file's name)
  step: z.number().int().nonnegative(), // control steps taken when it was taken
  final: z.boolean(), // true at the trial's end, false for a mid-trial snapshot
});
export type SnapshotOrigin = z.infer<typeof SnapshotOriginSchema>;

export interface LabelledSnapshot extends VerifierInput {
  label: SnapshotLabel;
  origin: SnapshotOrigin;
}

/** snapshot.json: everything but the pixels, which sit beside it as `<camera>.png` and `<camera>.depth.png`. */
export const SnapshotMetaSchema = z.object({
  schema: z.literal("enpire.snapshot/1"),
  task: z.object({ id: z.string(), version: z.number().int().nonnegative() }),
  origin: SnapshotOriginSchema,
  label: SnapshotLabelSchema,
  cameras: z.array(
    z.object({
      name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      intrinsics: IntrinsicsSchema,
      extrinsics: ExtrinsicsSchema,
      rgb: z.string(), // file name of the 8-bit RGB PNG
      depth: z.string().nullable(), // file name of the 16-bit grey PNG, depth in 0.1 mm steps (0 = nothing seen), or null
    }),
  ),
  proprio: z.array(z.number()),
  proprioNames: z.array(z.string()),
});
export type SnapshotMeta = z.infer<typeof SnapshotMetaSchema>;

/** A verifier's answer: the fused verdict, and optionally one verdict per view (e.g. per camera). */
export const VerifierVerdictSchema = z.object({
  success: z.boolean(),
  reason: z.string().optional(),
  views: z.record(z.string(), z.boolean()).optional(),
});
export type VerifierVerdict = z.infer<typeof VerifierVerdictSchema>;

/** The part of a labelled snapshot a verifier may see. */
export function verifierInput(s: LabelledSnapshot): VerifierInput {
  return { task: s.task, cameras: s.cameras, proprio: s.proprio, proprioNames: s.proprioNames };
}
