import type { SceneGeometry } from "../core/env.js";
import { EnpireError } from "../core/errors.js";
import type { TrialJob, TrialOutput, TrialVideo } from "./job.js";

/**
 * A station is one robot, simulated or real, with its own reset and verifier. The fleet scheduler hands it one
 * trial job at a time. Health states follow ENPIRE's stations: idle (ready), running (a trial), resetting (between
 * trials, or retrying a failed reset), faulted (out of service after repeated failures; its work goes to others),
 * offline (unreachable).
 */
export type StationHealth = "idle" | "running" | "resetting" | "faulted" | "offline";

export interface StationStatus {
  id: string;
  kind: "thread" | "in-process" | "http" | "queue";
  health: StationHealth;
  detail: string | null; // e.g. the current run and trial, or why it faulted
  paused?: boolean; // an operator paused it: it takes no new trials until resumed (set by the fleet)
}

/** A station's live camera frame, taken while it runs a trial (see Station.onFrame). */
export interface StationFrame {
  width: number;
  height: number;
  rgb: Uint8Array; // width·height·3 bytes, row-major, top row first
  runId: string;
  index: number; // the trial's index in its run
  step: number; // the env steps taken before the frame (0: right after reset)
}

/** A station's live 3D view, taken with its camera frames (see Station.onView; env/scene-view.ts for the shapes). */
export interface StationView {
  geometry: SceneGeometry; // the same object until the station's env changes
  poses: Float32Array; // 12 numbers per geom of `geometry`: position, rotation row-major
  runId: string;
  index: number; // the trial's index in its run
  step: number; // the env steps taken before the poses
}

export interface Station {
  readonly id: string; // unique in a fleet, e.g. "sim-0", "http://10.0.0.5:8203"
  status(): StationStatus;
  /**
   * Runs one trial job to its end and returns the record. Throws StationFaultError when the station failed (a
   * crash, a reset that failed every retry, no answer): the trial is then recorded as interrupted and its seed runs
   * again elsewhere. A policy error or a safety stop is not a fault: it is a normal, final outcome in the output.
   */
  run(job: TrialJob, signal?: AbortSignal): Promise<{ output: TrialOutput; video: TrialVideo | null }>;
  /**
   * Optional: brings the robot to its home (start) pose; a simulated station resets its env. Called by the fleet
   * only while the station runs no trial. Rejects with the reason when it could not.
   */
  home?(): Promise<void>;
  /**
   * Optional: live camera frames while trials run, a few per second, for a person watching (`enpire ui`). A station
   * renders them only while someone listens. Returns the unsubscribe function.
   */
  onFrame?(listener: (frame: StationFrame) => void): () => void;
  /** Optional: live 3D views (scene poses) at the frames' pace, from stations whose env has a scene view. */
  onView?(listener: (view: StationView) => void): () => void;
  close(): Promise<void>;
}

/** The station could not complete the trial; the trial is interrupted, not failed, and is re-run elsewhere. */
export class StationFaultError extends EnpireError {
  override readonly retryable = true;
  constructor(
    readonly station: string,
    message: string,
    /** true when the station should be taken out of service (faulted/offline) rather than used again */
    readonly fatal: boolean,
    options?: { cause?: unknown },
  ) {
    super(`station ${station}: ${message}`, options);
  }
}
