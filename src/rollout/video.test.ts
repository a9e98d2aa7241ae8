import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { InvalidInputError } from "../core/errors.js";
import { renderPushT } from "../env/tasks/pusht/render.js";
import { encodeVideos, FfmpegFailedError, FfmpegNotFoundError, ffmpegAvailable, VideoWriter } from "./video.js";

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

/** The RGB of the first and the last frame, decoded by ffmpeg. */
async function firstAndLastColour(path: string, width: number, height: number): Promise<number[][]> {
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], {
    encoding: "buffer",
    maxBuffer: 64 << 20,
  });
  const size = width * height * 3;
  const centre = ((height >> 1) * width + (width >> 1)) * 3;
  return [0, stdout.length - size].map((at) => [...stdout.subarray(at + centre, at + centre + 3)]);
}

async function duration(path: string): Promise<number> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path]);
  return Number(stdout.trim());
}

const solid = (width: number, height: number, rgb: number[]) => {
  const frame = new Uint8Array(width * height * 3);
  for (let i = 0; i < frame.length; i += 3) frame.set(rgb, i);
  return frame;
};

for (const [width, height] of [
  [96, 96],
  [33, 17],
]) {
  test(
    `one ffmpeg cuts a batch into one mp4 per video, each exactly its frames (${width}x${height})`,
    needsFfmpeg,
    async () => {
      // each video starts in one solid colour and ends in another, so a frame in the wrong file shows
      const colours = [
        [
          [255, 0, 0],
          [0, 255, 0],
        ],
        [
          [0, 0, 255],
          [255, 255, 0],
        ],
        [
          [255, 0, 255],
          [0, 255, 255],
        ],
        [
          [255, 255, 255],
          [0, 0, 0],
        ],
      ];
      const counts = [13, 1, 55, 2];
      const parts = counts.map((n, v) => ({
        path: join(dir, `batch-${width}-${v}.mp4`),
        frames: Array.from({ length: n }, (_, i) => solid(width, height, colours[v][i === n - 1 ? 1 : 0])),
      }));
      const results = await encodeVideos(parts, { width, height, fps: 10 });
      assert.deepEqual(
        results.map((r) => r.frames),
        counts,
      );
      assert.ok(
        parts.every((p) => p.frames.every((f) => f.length === 0)),
        "frames are released once sent",
      );
      for (const [v, part] of parts.entries()) {
        const p = await probe(part.path);
        assert.deepEqual(p, {
          frames: counts[v],
          width: width + (width % 2),
          height: height + (height % 2),
          codec: "h264",
        });
        assert.equal(results[v].bytes, (await stat(part.path)).size);
        assert.ok(Math.abs((await duration(part.path)) - counts[v] / 10) < 0.051, `video ${v} lasts frames / fps`);
        const [first, last] = await firstAndLastColour(part.path, p.width, p.height);
        const near = (got: number[], want: number[]) => got.every((c, i) => Math.abs(c - want[i]) < 24);
        const firstWant = counts[v] === 1 ? colours[v][1] : colours[v][0];
        assert.ok(near(first, firstWant), `video ${v} starts ${first}, want ${firstWant}`);
        assert.ok(near(last, colours[v][1]), `video ${v} ends ${last}, want ${colours[v][1]}`);
      }
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.startsWith(".segments-")),
        [],
        "no segments are left",
      );
    },
  );
}

test("one long video alone (a 300-step trial, 30 s) stays one file with all its frames", needsFfmpeg, async () => {
  const dir = await mkdtemp(join(tmpdir(), "enpire-video-long-"));
  try {
    const path = join(dir, "long.mp4");
    const frames = Array.from({ length: 300 }, (_, i) => solid(32, 32, [i % 256, 0, 0]));
    const [result] = await encodeVideos([{ path, frames }], { width: 32, height: 32, fps: 10 });
    assert.equal(result.frames, 300);
    assert.equal((await probe(path)).frames, 300);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a batch that fails leaves no file behind, and one without frames is refused", needsFfmpeg, async () => {
  const frame = () => new Uint8Array(96 * 96 * 3);
  const parts = [
    { path: join(dir, "fail-a.mp4"), frames: [frame(), frame()] },
    { path: join(dir, "fail-b.mp4"), frames: [frame(), new Uint8Array(5)] },
  ];
  await assert.rejects(encodeVideos(parts, { width: 96, height: 96, fps: 10 }), /96x96 RGB frame is 27648 bytes/);
  for (const p of parts) await assert.rejects(stat(p.path), { code: "ENOENT" });
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith(".segments-")),
    [],
  );
  await assert.rejects(
    encodeVideos([{ path: join(dir, "none.mp4"), frames: [] }], { width: 96, height: 96, fps: 10 }),
    /has no frames/,
  );
});
