/**
 * The station protocol as the server answers it, over real HTTP on 127.0.0.1: endpoints, validation, the confirm
 * rule, phases through real Push-T trials, rollout directories, pause and avoid.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { pushtJob } from "../../../test/support/trial-job.js";
import { evalFingerprint } from "../../env/registry.js";
import { type Phase, PROTOCOL_VERSION, type Status } from "../../env/station/protocol.js";
import { bundlePolicy, bundleToData, type PolicyBundleData } from "../../policy/sandbox/bundle.js";
import type { TrialJob } from "../job.js";
import { StationServer, type StationServerOptions } from "./http-server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let chase: PolicyBundleData;
const servers: StationServer[] = [];
const dirs: string[] = [];

before(async () => {
  chase = bundleToData(await bundlePolicy(path.join(ROOT, "test", "fixtures", "cli", "chase.js")));
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function job(over: Partial<TrialJob> = {}): TrialJob {
  return pushtJob(chase, over);
}

async function serve(options: Partial<StationServerOptions> = {}): Promise<StationServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-station-"));
  dirs.push(dir);
  const server = await StationServer.start({ taskId: "pusht", dir, port: 0, ...options });
  servers.push(server);
  return server;
}

async function http(server: StationServer, method: string, route: string, body?: unknown) {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) return { status: res.status, json: await res.json(), headers: res.headers };
  return {
    status: res.status,
    json: undefined as unknown,
    bytes: new Uint8Array(await res.arrayBuffer()),
    headers: res.headers,
  };
}

/** Polls GET /status every few ms until the phase is done or failed; returns every phase seen, in order. */
async function phasesUntilOver(server: StationServer): Promise<{ seen: Phase[]; status: Status }> {
  const seen: Phase[] = [];
  for (;;) {
    const status = (await http(server, "GET", "/status")).json as Status;
    if (seen.at(-1) !== status.phase) seen.push(status.phase);
    if (status.phase === "done" || status.phase === "failed") return { seen, status };
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("health, healthz and help describe the station, its task and its endpoints", async () => {
  const server = await serve();
  for (const route of ["/health", "/healthz"]) {
    const r = await http(server, "GET", route);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      ok: true,
      protocolVersion: PROTOCOL_VERSION,
      station: server.id,
      task: { id: "pusht", version: 1, evalFingerprint: evalFingerprint("pusht") },
      phase: "idle",
    });
  }
  const help = (await http(server, "GET", "/help")).json as {
    endpoints: { method: string; path: string; confirm: boolean; request: { required?: string[] } | null }[];
    schemas: { TrialJob: { properties: Record<string, unknown> } };
  };
  const listed = help.endpoints.map((e) => `${e.method} ${e.path}${e.confirm ? " (confirm)" : ""}`);
  for (const want of [
    "GET /status",
    "POST /start (confirm)",
    "POST /avoid (confirm)",
    "POST /pause",
    "GET /result/:jobId",
  ]) {
    assert.ok(listed.includes(want), `${want} in ${listed.join(", ")}`);
  }
  const start = help.endpoints.find((e) => e.path === "/start");
  assert.deepEqual(start?.request?.required, ["confirm", "job"]);
  assert.ok("evalFingerprint" in help.schemas.TrialJob.properties, "the job's schema is in the help");
});

test("an unknown path is 404, a wrong method 405 with Allow, and errors have one shape", async () => {
  const server = await serve();
  const missing = await http(server, "GET", "/launch");
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys(missing.json as object), ["error"]);
  assert.equal((missing.json as { error: { code: string } }).error.code, "not-found");
  const wrong = await http(server, "GET", "/start");
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "POST");
  assert.equal((wrong.json as { error: { code: string } }).error.code, "method-not-allowed");
  assert.equal((await http(server, "DELETE", "/status")).status, 405);
  const garbled = await http(server, "POST", "/pause", "{not json");
  assert.equal(garbled.status, 400);
  assert.equal((garbled.json as { error: { code: string } }).error.code, "bad-json");
});

test("every motion-capable call needs confirm: true, and says so", async () => {
  const server = await serve();
  for (const action of ["start", "home", "resume", "avoid", "restart"]) {
    for (const body of [undefined, {}, { confirm: false }, { confirm: "yes" }]) {
      const r = await http(server, "POST", `/${action}`, body);
      assert.equal(r.status, 400, `${action} ${JSON.stringify(body)}`);
      const error = (r.json as { error: { code: string; message: string; field: string } }).error;
      assert.equal(error.code, "confirm-required");
      assert.equal(error.field, "confirm");
      assert.match(error.message, new RegExp(`POST /${action} can move the robot; send \\{"confirm": true\\}`));
    }
  }
  // pausing stops things: no confirmation needed, and an empty body is fine
  assert.equal((await http(server, "POST", "/pause")).status, 200);
  assert.equal(server.status().counters.started, 0, "nothing started");
});

test("a start body is validated field by field, and a job for another evaluation is refused", async () => {
  const server = await serve();
  const cases: [unknown, number, string, string][] = [
    [{ confirm: true }, 400, "invalid-body", "job"],
    [{ confirm: true, job: job(), extra: 1 }, 400, "invalid-body", "extra"],
    [{ confirm: true, job: { ...job(), seed: "seven" } }, 400, "invalid-body", "job.seed"],
    [
      { confirm: true, job: { ...job(), policy: { ...job().policy, code: undefined } } },
      400,
      "invalid-body",
      "job.policy.code",
    ],
    [{ confirm: true, job: job({ task: { id: "pusht", version: 0 } }) }, 422, "task-mismatch", "job.task"],
    [
      { confirm: true, job: job({ evalFingerprint: "f".repeat(64) }) },
      422,
      "fingerprint-mismatch",
      "job.evalFingerprint",
    ],
  ];
  for (const [body, status, code, field] of cases) {
    const r = await http(server, "POST", "/start", body);
    const error = (r.json as { error: { code: string; message: string; field: string } }).error;
    assert.deepEqual([r.status, error.code, error.field], [status, code, field], error.message);
  }
  const refused = await http(server, "POST", "/start", {
    confirm: true,
    job: job({ evalFingerprint: "f".repeat(64) }),
  });
  assert.match(
    (refused.json as { error: { message: string } }).error.message,
    /evaluation fingerprint \w{12}, but the job was made for ffffffffffff; update the station or the dispatcher/,
  );
  assert.equal(server.status().counters.started, 0);
  assert.equal(server.status().counters.refused, 3);
  assert.equal(server.status().phase, "idle");
});

test("a trial goes queued → running → resetting → done, one at a time, and is kept with its video", async () => {
  const server = await serve({ resetMs: 150 });
  const first = job({ runId: "run-a", index: 3, seed: 100003, video: { size: 64, fps: 10 } });
  const started = await http(server, "POST", "/start", { confirm: true, job: first });
  assert.equal(started.status, 202);
  const { jobId, phase, rolloutDir, result } = started.json as Record<string, string>;
  assert.equal(phase, "queued");
  assert.equal(result, `/result/${jobId}`);
  assert.equal(rolloutDir, server.status().rolloutDir);

  const busy = await http(server, "POST", "/start", { confirm: true, job: job() });
  assert.equal(busy.status, 409);
  assert.equal((busy.json as { error: { code: string } }).error.code, "busy");
  const early = await http(server, "GET", result);
  assert.equal(early.status, 409);
  assert.equal((early.json as { error: { code: string } }).error.code, "job-not-finished");
  for (const action of ["home", "avoid", "restart"]) {
    const r = await http(server, "POST", `/${action}`, { confirm: true });
    assert.equal((r.json as { error: { code: string } }).error.code, "busy", action);
  }

  const { seen, status } = await phasesUntilOver(server);
  assert.deepEqual(seen.slice(-3), ["running", "resetting", "done"]);
  assert.deepEqual(
    seen.filter((p) => p !== "queued"),
    ["running", "resetting", "done"],
  );
  assert.equal(status.job?.id, jobId);
  assert.deepEqual([status.job?.runId, status.job?.index, status.job?.seed], ["run-a", 3, 100003]);
  assert.ok(status.job?.finishedAt);
  assert.deepEqual(status.counters, { started: 1, done: 1, failed: 0, refused: 1, rollouts: 1 });

  const output = (await http(server, "GET", result)).json as Record<string, unknown>;
  assert.equal(output.schema, "enpire.trial-output/1");
  assert.deepEqual([output.runId, output.index, output.seed, output.station], ["run-a", 3, 100003, server.id]);
  assert.equal(output.steps, 60);
  const video = await http(server, "GET", `${result}/video.mp4`);
  assert.equal(video.status, 200);
  assert.equal(video.headers.get("content-type"), "video/mp4");
  assert.equal(Buffer.from(video.bytes!.subarray(4, 8)).toString("latin1"), "ftyp");

  const kept = path.join(rolloutDir, "trials", jobId);
  assert.deepEqual(fs.readdirSync(kept).sort(), ["job.json", "output.json", "video.mp4"]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(kept, "output.json"), "utf8")), output);

  // a second trial without video: the station took it, and has no video for it
  const second = await http(server, "POST", "/start", { confirm: true, job: job({ index: 4 }) });
  assert.equal(second.status, 202);
  await phasesUntilOver(server);
  const none = await http(server, "GET", `/result/${(second.json as { jobId: string }).jobId}/video.mp4`);
  assert.equal(none.status, 404);
  assert.equal((none.json as { error: { code: string } }).error.code, "no-video");
  const unknown = await http(server, "GET", "/result/job-nope");
  assert.equal((unknown.json as { error: { code: string } }).error.code, "unknown-job");
  assert.equal((await http(server, "GET", "/result/..%2F..%2Fetc")).status, 404);
});

test("restart opens a fresh rollout directory; earlier trials stay addressable, also after the station restarts", async () => {
  const server = await serve();
  const before = server.status().rolloutDir;
  const started = (await http(server, "POST", "/start", { confirm: true, job: job() })).json as { jobId: string };
  await phasesUntilOver(server);

  const r = await http(server, "POST", "/restart", { confirm: true, label: "hypothesis-7" });
  assert.equal(r.status, 200);
  const answer = r.json as { ok: boolean; action: string; rolloutDir: string; status: Status };
  assert.equal(answer.action, "restart");
  assert.notEqual(answer.rolloutDir, before);
  assert.match(path.basename(answer.rolloutDir), /^\d{8}T\d{9}Z-[0-9a-f]{4}-hypothesis-7$/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(answer.rolloutDir, "rollout.json"), "utf8")).label, "hypothesis-7");
  assert.deepEqual([answer.status.phase, answer.status.job, answer.status.counters.rollouts], ["idle", null, 2]);
  assert.ok(fs.existsSync(path.join(before, "trials", started.jobId, "output.json")), "the earlier rollout is kept");
  assert.equal((await http(server, "GET", `/result/${started.jobId}`)).status, 200);

  const badLabel = await http(server, "POST", "/restart", { confirm: true, label: "../up" });
  assert.equal((badLabel.json as { error: { field: string } }).error.field, "label");

  // a new station process on the same directory still finds the trial on disk
  const again = await StationServer.start({ taskId: "pusht", dir: path.dirname(path.dirname(before)), port: 0 });
  servers.push(again);
  const found = await http(again, "GET", `/result/${started.jobId}`);
  assert.equal(found.status, 200);
  assert.equal((found.json as { seed: number }).seed, 100000);
});

test("pause and avoid refuse starts until resume; home brings a parked arm back", async () => {
  const server = await serve();
  const start = () => http(server, "POST", "/start", { confirm: true, job: job() });

  const paused = await http(server, "POST", "/pause", {});
  assert.equal((paused.json as { status: Status }).status.paused, true);
  const refused = await start();
  assert.equal(refused.status, 409);
  assert.equal((refused.json as { error: { code: string } }).error.code, "paused");
  assert.equal((await http(server, "POST", "/resume", {})).status, 400, "resume moves the arm: confirm needed");
  assert.equal((await http(server, "POST", "/resume", { confirm: true })).status, 200);

  const avoided = await http(server, "POST", "/avoid", { confirm: true });
  assert.match((avoided.json as { message: string }).message, /parked out of the camera's view/);
  assert.equal(server.status().parked, true);
  const parked = await start();
  assert.equal((parked.json as { error: { code: string; message: string } }).error.code, "parked");
  await http(server, "POST", "/home", { confirm: true });
  assert.equal(server.status().parked, false);
  await http(server, "POST", "/avoid", { confirm: true });
  await http(server, "POST", "/resume", { confirm: true });

  const ok = await start();
  assert.equal(ok.status, 202);
  assert.equal((await phasesUntilOver(server)).status.phase, "done");
  assert.equal(server.status().counters.refused, 2);
});

test("a reset that fails leaves the job failed with the station's reason, kept on disk", async () => {
  const server = await serve({ resetFailure: (j) => (j.seed === 13 ? "the T block is out of reach" : null) });
  const started = (await http(server, "POST", "/start", { confirm: true, job: job({ seed: 13 }) })).json as {
    jobId: string;
  };
  const { seen, status } = await phasesUntilOver(server);
  assert.equal(seen.at(-1), "failed");
  assert.equal(status.lastError?.code, "reset-failed");
  assert.equal(status.lastError?.jobId, started.jobId);
  assert.match(status.lastError?.message ?? "", /the T block is out of reach/);
  const result = await http(server, "GET", `/result/${started.jobId}`);
  assert.equal(result.status, 409);
  assert.equal((result.json as { error: { code: string } }).error.code, "job-failed");
  const kept = path.join(status.rolloutDir, "trials", started.jobId);
  assert.deepEqual(fs.readdirSync(kept).sort(), ["error.json", "job.json", "output.json"]);

  // the station takes the next job
  assert.equal((await http(server, "POST", "/start", { confirm: true, job: job({ seed: 14 }) })).status, 202);
  assert.equal((await phasesUntilOver(server)).status.phase, "done");
});

test("a policy that does not load fails the job with code policy-load", async () => {
  const server = await serve();
  const broken = job({ policy: { ...job().policy, code: `${chase.code}\n// changed in transit` } });
  await http(server, "POST", "/start", { confirm: true, job: broken });
  const { status } = await phasesUntilOver(server);
  assert.equal(status.phase, "failed");
  assert.equal(status.lastError?.code, "policy-load");
  assert.match(status.lastError?.message ?? "", /does not match its sha256/);
});
