/**
 * MP4 video of a rollout: raw RGB frames piped into the system's ffmpeg (Debian's package), encoded with
 * libx264 in yuv420p with the index at the front (`+faststart`) so browsers play it while it loads.
 * Odd widths or heights are padded with one black row or column, as yuv420p needs even sizes.
 *
 * ffmpeg is not bundled: a missing one is a clear `FfmpegNotFoundError`, never a silently missing video.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EnpireError, InvalidInputError } from "../core/errors.js";

/** Where to find ffmpeg: a command name looked up on PATH, or a path to the executable. */
export type FfmpegLocation = {
  /** Command or path of the ffmpeg executable; default "ffmpeg", looked up on PATH. */
  ffmpegPath?: string;
  /** The PATH to look it up on; default this process's PATH. */
  searchPath?: string;
};

export type VideoOptions = FfmpegLocation & {
  /** Frame width and height in px; every frame is width·height·3 bytes of RGB, top row first. */
  width: number;
  height: number;
  /** Frames per second of the video, e.g. 10 for Push-T's control rate. */
  fps: number;
};

/** One video of a batch: where its mp4 goes and its frames (width·height·3 RGB bytes each). */
export interface VideoPart {
  path: string;
  frames: Uint8Array[];
}

const YUV420P = ["-pix_fmt", "yuv420p"];
/**
 * H.264 tuned for cheap encoding of flat-coloured scenes: simulated trials are short and cheap, so encoding CPU would
 * otherwise rival the simulation's own (measured with bench/fleet.ts); one thread, as stations use the other cores.
 */
const H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "animation", "-threads", "1"];
const EMPTY = new Uint8Array(0);

const INSTALL_HINT = "it is needed to record video. Install it (apt-get install ffmpeg), or run without --video.";
/** How much of ffmpeg's stderr an error keeps: the end, where ffmpeg says what went wrong. */
const STDERR_TAIL_CHARS = 2000;

/** ffmpeg could not be started because there is no such executable. Installing it is the fix; retrying is not. */
export class FfmpegNotFoundError extends EnpireError {
  constructor(
    readonly ffmpegPath: string,
    cause?: unknown,
  ) {
    super(
      ffmpegPath === "ffmpeg"
        ? `ffmpeg was not found on PATH; ${INSTALL_HINT}`
        : `ffmpeg was not found at "${ffmpegPath}"; ${INSTALL_HINT}`,
      { cause },
    );
  }
}

/** ffmpeg started but failed (bad output path, full disk, killed); the message ends with its stderr. */
export class FfmpegFailedError extends EnpireError {
  constructor(
    readonly output: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    cause?: unknown,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    super(
      `ffmpeg ${how} while writing "${output}"` +
        (stderrTail ? `; its last words:\n${stderrTail}` : "; it printed nothing on stderr"),
      { cause },
    );
  }
}

function childEnv(location: FfmpegLocation): NodeJS.ProcessEnv | undefined {
  return location.searchPath === undefined ? undefined : { ...process.env, PATH: location.searchPath };
}

/** Starts a process and settles once it is running, or with the spawn error (ENOENT when missing). */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
}

/**
 * Whether ffmpeg can be run (`ffmpeg -version` exits 0).
 *
 * @example
 * if (!(await ffmpegAvailable())) console.log("no ffmpeg: videos are off");
 */
export async function ffmpegAvailable(location: FfmpegLocation = {}): Promise<boolean> {
  const child = spawn(location.ffmpegPath ?? "ffmpeg", ["-version"], { stdio: "ignore", env: childEnv(location) });
  return new Promise((resolve) => {
    child.once("error", () => resolve(false));
    child.once("close", (code) => resolve(code === 0));
  });
}

/**
 * Writes frames to an MP4 file through ffmpeg.
 *
 * @example
 * const video = await VideoWriter.open("/tmp/trial.mp4", { width: 256, height: 256, fps: 10 });
 * const frame = new Uint8Array(256 * 256 * 3);
 * for (const scene of scenes) await video.write(renderPushT(scene, 256, frame));
 * const { frames, bytes } = await video.close();
 */
export class VideoWriter {
  private frames = 0;
  private state: "open" | "closing" | "closed" | "aborted" = "open";
  private stderr = "";
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly path: string,
    readonly options: Readonly<VideoOptions>,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_TAIL_CHARS);
    });
    // a write after ffmpeg died fails with EPIPE through the write callback; this only keeps it from crashing us
    child.stdin?.on("error", () => {});
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  }

  /** Starts ffmpeg writing `path` (overwritten if present). Rejects with FfmpegNotFoundError when it is missing. */
  static async open(path: string, options: VideoOptions): Promise<VideoWriter> {
    return VideoWriter.start(path, options, [...H264, ...YUV420P, ...["-movflags", "+faststart", path]]);
  }

  /** Starts ffmpeg reading raw frames of `options` from stdin, with `output` arguments; `path` names it in errors. */
  static async start(path: string, options: VideoOptions, output: string[]): Promise<VideoWriter> {
    const { width, height, fps } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new InvalidInputError(`video width and height must be positive integers (px); got ${width}x${height}`);
    }
    if (!Number.isFinite(fps) || fps <= 0 || fps > 1000) {
      throw new InvalidInputError(`video fps must be a number in (0, 1000]; got ${fps}`);
    }
    const even = width % 2 === 0 && height % 2 === 0;
    const args = [
      ...["-hide_banner", "-loglevel", "error", "-nostats", "-y"],
      ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-r", String(fps), "-i", "-"],
      ...(even ? [] : ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]),
      ...output,
    ];
    const ffmpegPath = options.ffmpegPath ?? "ffmpeg";
    const child = spawn(ffmpegPath, args, { stdio: ["pipe", "ignore", "pipe"], env: childEnv(options) });
    try {
      await started(child);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new FfmpegNotFoundError(ffmpegPath, error);
      throw new FfmpegFailedError(path, null, null, "", error);
    }
    return new VideoWriter(path, { ...options }, child);
  }

  /**
   * Sends one frame (width·height·3 RGB bytes). Resolves once ffmpeg has taken the bytes, so the caller may
   * then reuse the buffer; awaiting each write keeps memory flat when ffmpeg encodes slower than frames come.
   */
  async write(frame: Uint8Array): Promise<void> {
    if (this.state !== "open") {
      throw new InvalidInputError(`cannot write a frame to "${this.path}": the video is already ${this.state}`);
    }
    const expected = this.options.width * this.options.height * 3;
    if (frame.length !== expected) {
      throw new InvalidInputError(
        `a ${this.options.width}x${this.options.height} RGB frame is ${expected} bytes; got ${frame.length}`,
      );
    }
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) throw await this.failure();
    const error = await new Promise<Error | null | undefined>((resolve) => stdin.write(frame, resolve));
    if (error) throw await this.failure(error);
    this.frames++;
  }

  /** Finishes the file and waits for ffmpeg; rejects with FfmpegFailedError (and its stderr) if it failed. */
  async close(): Promise<{ frames: number; bytes: number }> {
    const frames = await this.end();
    const { size } = await stat(this.path);
    return { frames, bytes: size };
  }

  /** Closes ffmpeg's input and waits for it to exit; resolves with the frames sent. */
  async end(): Promise<number> {
    if (this.state !== "open") {
      throw new InvalidInputError(`cannot close "${this.path}": the video is already ${this.state}`);
    }
    this.state = "closing";
    this.child.stdin?.end();
    const { code, signal } = await this.exited;
    this.state = "closed";
    if (code !== 0) throw new FfmpegFailedError(this.path, code, signal, this.stderr.trim());
    return this.frames;
  }

  /** Stops ffmpeg at once and deletes the partial file. Never rejects; a no-op once closed. */
  async abort(): Promise<void> {
    if (this.state === "closed" || this.state === "aborted") return;
    this.state = "aborted";
    this.child.stdin?.destroy();
    this.child.kill("SIGKILL");
    await this.exited;
    await rm(this.path, { force: true }).catch(() => {});
  }

  /** The error to report once a write failed: ffmpeg's exit and stderr, after it has exited. */
  private async failure(cause?: unknown): Promise<FfmpegFailedError> {
    // a broken pipe means ffmpeg is on its way out; one that lingers is stopped so the error can be reported
    const linger = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    const { code, signal } = await this.exited;
    clearTimeout(linger);
    return new FfmpegFailedError(this.path, code, signal, this.stderr.trim(), cause);
  }
}

/**
 * Encodes several videos of one size and rate with a single ffmpeg, each to its own mp4 (moov at the front, starting
 * at t = 0 on a keyframe), and returns their frame counts and sizes. Starting ffmpeg costs ~50 ms of CPU, more than a
 * short 96 px video costs to encode, so a batch of trials shares one start. The parts' frame arrays are emptied as
 * the frames are sent, so their memory goes back while the rest is encoded. All succeed or all fail (no file is left
 * behind then); the temporary segments live beside the first part's path, so moving them is a rename.
 *
 * @example
 * const [a, b] = await encodeVideos([{ path: "/tmp/a.mp4", frames: framesA }, { path: "/tmp/b.mp4", frames: framesB }],
 *   { width: 96, height: 96, fps: 10 });
 */
export async function encodeVideos(
  parts: readonly VideoPart[],
  options: VideoOptions,
): Promise<{ frames: number; bytes: number }[]> {
  if (parts.length === 0) return [];
  const counts = parts.map((p) => p.frames.length);
  const empty = counts.indexOf(0);
  if (empty >= 0) throw new InvalidInputError(`video "${parts[empty].path}" has no frames; every video needs one`);
  // cut after each part's last frame, on a keyframe forced there, so each segment is exactly one part
  const cuts: number[] = [];
  let sum = 0;
  for (const n of counts.slice(0, -1)) {
    sum += n;
    cuts.push(sum);
  }
  const segments = await mkdtemp(join(dirname(parts[0].path), ".segments-"));
  const pattern = join(segments, "%05d.mp4");
  const output = [
    ...H264,
    ...["-bf", "0"], // B-frames would delay the first segment's start
    ...(cuts.length > 0 ? ["-force_key_frames", `expr:${cuts.map((c) => `eq(n,${c})`).join("+")}`] : []),
    ...YUV420P,
    ...["-f", "segment", "-segment_format", "mp4", "-segment_format_options", "movflags=+faststart"],
    // with one part there is nothing to cut: without a limit the segmenter would cut every 2 s at a keyframe
    ...(cuts.length > 0 ? ["-segment_frames", cuts.join(",")] : ["-segment_time", "86400"]),
    ...["-reset_timestamps", "1", pattern],
  ];
  try {
    const writer = await VideoWriter.start(pattern, options, output);
    try {
      for (const part of parts) {
        const frames = part.frames;
        for (let i = 0; i < frames.length; i++) {
          await writer.write(frames[i]);
          frames[i] = EMPTY;
        }
      }
      await writer.end();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const files = parts.map((_, i) => join(segments, `${String(i).padStart(5, "0")}.mp4`));
    const written = await readdir(segments);
    if (written.length !== parts.length) {
      throw new FfmpegFailedError(pattern, 0, null, `it wrote ${written.length} segments for ${parts.length} videos`);
    }
    const sizes = await Promise.all(files.map((f) => stat(f).then((s) => s.size)));
    await Promise.all(files.map((f, i) => rename(f, parts[i].path)));
    return counts.map((frames, i) => ({ frames, bytes: sizes[i] }));
  } catch (err) {
    await Promise.all(parts.map((p) => rm(p.path, { force: true })));
    throw err;
  } finally {
    await rm(segments, { recursive: true, force: true });
  }
}
