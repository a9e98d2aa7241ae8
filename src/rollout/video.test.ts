import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { InvalidInputError } from "../core/errors.js";
import { renderPushT } from "../env/tasks/pusht/render.js";
import { FfmpegFailedError, FfmpegNotFoundError, ffmpegAvailable, VideoWriter } from "./video.js";

const run = promisify(execFile);
const haveFfmpeg = await ffmpegAvailable();
const needsFfmpeg = haveFfmpeg ? {} : { skip: "ffmpeg is not installed (apt-get install ffmpeg)" };
let dir = "";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "enpire-video-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Frame count and size of the first video stream, as ffprobe decodes it. */
async function probe(path: string): Promise<{ frames: number; width: number; height: number; codec: string }> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-count_frames", "-select_streams", "v:0"],
    ...["-show_entries", "stream=nb_read_frames,width,height,codec_name", "-of", "json", path],
  ]);
  const stream = JSON.parse(stdout).streams[0];
  return {
    frames: Number(stream.nb_read_frames),
    width: stream.width,
    height: stream.height,
    codec: stream.codec_name,
  };
}

/** A block pushed across the arena, one frame per step, rendered into one reused buffer. */
async function writePushT(video: VideoWriter, size: number, count: number): Promise<void> {
  const frame = new Uint8Array(size * size * 3);
  for (let i = 0; i < count; i++) {
    const scene = {
      agent: [100 + i * 8, 300] as const,
      block: [150 + i * 8, 250, i * 0.05] as const,
      action: [110 + i * 8, 300] as const,
    };
    await video.write(renderPushT(scene, size, frame));
  }
}

test("30 rendered Push-T frames become an H.264 mp4 that ffprobe counts", needsFfmpeg, async () => {
  const path = join(dir, "pusht.mp4");
  const video = await VideoWriter.open(path, { width: 256, height: 256, fps: 10 });
  await writePushT(video, 256, 30);
  const result = await video.close();
  assert.equal(result.frames, 30);
  assert.equal(result.bytes, (await stat(path)).size);
  assert.ok(result.bytes > 2000, `only ${result.bytes} bytes`);
  assert.deepEqual(await probe(path), { frames: 30, width: 256, height: 256, codec: "h264" });
});

test("odd sizes are padded to even ones", needsFfmpeg, async () => {
  const path = join(dir, "odd.mp4");
  const video = await VideoWriter.open(path, { width: 97, height: 33, fps: 10 });
  for (let i = 0; i < 5; i++) await video.write(new Uint8Array(97 * 33 * 3).fill(i * 40));
  assert.equal((await video.close()).frames, 5);
  assert.deepEqual(await probe(path), { frames: 5, width: 98, height: 34, codec: "h264" });
});

test("a missing ffmpeg is a clear FfmpegNotFoundError", async () => {
  const empty = await mkdtemp(join(tmpdir(), "enpire-empty-path-"));
  try {
    const options = { width: 96, height: 96, fps: 10, searchPath: empty };
    await assert.rejects(VideoWriter.open(join(empty, "x.mp4"), options), (error: unknown) => {
      assert.ok(error instanceof FfmpegNotFoundError);
      assert.equal(
        error.message,
        "ffmpeg was not found on PATH; it is needed to record video. Install it (apt-get install ffmpeg), or run without --video.",
      );
      assert.equal(error.retryable, false);
      return true;
    });
    assert.equal(await ffmpegAvailable({ searchPath: empty }), false);
    await assert.rejects(
      VideoWriter.open(join(empty, "x.mp4"), { width: 96, height: 96, fps: 10, ffmpegPath: join(empty, "ffmpeg") }),
      /ffmpeg was not found at ".*enpire-empty-path-.*\/ffmpeg"; it is needed to record video/,
    );
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("ffmpeg failing gives an error with the end of its stderr", needsFfmpeg, async () => {
  const path = join(dir, "no-such-dir", "x.mp4");
  const video = await VideoWriter.open(path, { width: 96, height: 96, fps: 10 });
  await assert.rejects(
    async () => {
      await writePushT(video, 96, 10);
      await video.close();
    },
    (error: unknown) => {
      assert.ok(error instanceof FfmpegFailedError, String(error));
      assert.match(error.message, /ffmpeg exited with code \d+ while writing ".*no-such-dir\/x\.mp4"/);
      assert.match(error.stderrTail, /No such file or directory/);
      return true;
    },
  );
});

test("bad sizes, bad frames and writes after close are refused", needsFfmpeg, async () => {
  await assert.rejects(VideoWriter.open(join(dir, "bad.mp4"), { width: 0, height: 96, fps: 10 }), InvalidInputError);
  await assert.rejects(VideoWriter.open(join(dir, "bad.mp4"), { width: 96, height: 96, fps: Number.NaN }), /fps/);
  const video = await VideoWriter.open(join(dir, "short.mp4"), { width: 96, height: 96, fps: 10 });
  await assert.rejects(video.write(new Uint8Array(10)), /96x96 RGB frame is 27648 bytes; got 10/);
  await writePushT(video, 96, 3);
  await video.close();
  await assert.rejects(video.write(new Uint8Array(96 * 96 * 3)), /already closed/);
});

test("abort stops ffmpeg and removes the partial file", needsFfmpeg, async () => {
  const path = join(dir, "aborted.mp4");
  const video = await VideoWriter.open(path, { width: 96, height: 96, fps: 10 });
  await writePushT(video, 96, 5);
  await video.abort();
  await assert.rejects(stat(path), { code: "ENOENT" });
  await video.abort(); // twice is fine
});
