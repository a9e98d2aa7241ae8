/**
 * `enpire station serve | status | control`: put a station behind HTTP (the station protocol, see
 * docs/station-protocol.md), and ask one its status or to move. Thin layers over rollout/stations/http-server.ts
 * and http-station.ts, loaded only when a station command runs.
 */
import path from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { CONFIRM_ACTIONS, type ControlAction, ControlActionSchema, type Status } from "../../env/station/protocol.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** Adds `enpire station serve | status | control` to the program. */
export function registerStationCommands(program: Command): void {
  const station = program
    .command("station")
    .description("a station behind HTTP: serve one, ask one its status, or send it a control call");

  station
    .command("serve")
    .description("serve one task's simulated station over HTTP until Ctrl-C (one trial at a time)")
    .option("--task <id>", "task id (see `enpire tasks`)", "pusht")
    .option("--port <n>", "TCP port; 0 picks a free one", "8203")
    .option(
      "--host <address>",
      "address to listen on; anything but loopback lets other machines move the robot",
      "127.0.0.1",
    )
    .option("--dir <dir>", "station directory; rollouts are kept under it (default $ENPIRE_HOME/stations/<task>)")
    .option("--station-id <id>", "the station's name in every trial record (default <task>@<host>:<port>)")
    .action(async (o: { task: string; port: string; host: string; dir?: string; stationId?: string }) => {
      const port = portFlag(o.port);
      const dir = o.dir ?? path.join(process.env.ENPIRE_HOME ?? ".enpire", "stations", o.task);
      const { StationServer } = await import("../../rollout/stations/http-server.js");
      const server = await StationServer.start({ taskId: o.task, port, host: o.host, dir, stationId: o.stationId });
      if (!LOOPBACK.has(o.host) && !o.host.startsWith("127.")) {
        process.stderr.write(
          `warning: listening on ${o.host}: any machine that reaches it can start trials and move the robot; ` +
            "the station protocol has no authentication\n",
        );
      }
      const s = server.status();
      process.stdout.write(
        `station ${s.station} serving ${s.task.id}@${s.task.version} on ${server.url} ` +
          `(station protocol ${s.protocolVersion}, pid ${process.pid})\nrollouts in ${s.rolloutDir}\n`,
      );
      await new Promise<void>((resolve) => {
        let stops = 0;
        const stop = (signal: NodeJS.Signals) => {
          stops++;
          if (stops > 1) process.exit(130);
          process.stderr.write(`${signal}: stopping after the current trial (again to stop now)\n`);
          void server.close().then(() => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            resolve();
          });
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });

  station
    .command("status")
    .description("ask a station its phase, job, counters and rollout directory")
    .argument("<url>", "the station, e.g. http://127.0.0.1:8203")
    .option("--timeout-ms <ms>", "how long to wait for the answer", "3000")
    .option("--json", "the station's answer as JSON on stdout", false)
    .action(async (url: string, o: { timeoutMs: string; json: boolean }) => {
      const { fetchStationStatus } = await import("../../rollout/stations/http-station.js");
      const status = await fetchStationStatus(url, msFlag(o.timeoutMs), undefined);
      process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(url, status)}\n`);
    });

  const actions = ControlActionSchema.options;
  station
    .command("control")
    .description(`send a control call: ${actions.join(" | ")}; those that can move the robot need --confirm`)
    .argument("<url>", "the station, e.g. http://127.0.0.1:8203")
    .argument("<action>", actions.join(" | "))
    .option("--confirm", "confirm a call that can move the robot (home, resume, avoid, restart)", false)
    .option("--label <name>", "restart: a name for the new rollout directory, e.g. the hypothesis it holds")
    .option("--timeout-ms <ms>", "how long to wait for the answer", "3000")
    .option("--json", "the station's answer as JSON on stdout", false)
    .action(
      async (
        url: string,
        action: string,
        o: { confirm: boolean; label?: string; timeoutMs: string; json: boolean },
      ) => {
        const parsed = ControlActionSchema.safeParse(action);
        if (!parsed.success) {
          throw new InvalidInputError(`unknown station control call "${action}"; choose one of ${actions.join(", ")}`);
        }
        const call: ControlAction = parsed.data;
        if (CONFIRM_ACTIONS.includes(call) && !o.confirm) {
          throw new InvalidInputError(`\`station control ${call}\` can move the robot; add --confirm to send it`);
        }
        if (o.label !== undefined && call !== "restart") {
          throw new InvalidInputError(`--label names a fresh rollout directory; it goes with restart, not ${call}`);
        }
        const { controlStation } = await import("../../rollout/stations/http-station.js");
        const body = { ...(o.confirm ? { confirm: true } : {}), ...(o.label ? { label: o.label } : {}) };
        const answer = await controlStation(url, call, body, msFlag(o.timeoutMs));
        if (o.json) return void process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        process.stdout.write(`${answer.message}\n`);
        if (call === "restart") process.stdout.write(`${answer.rolloutDir}\n`);
      },
    );
}

/** A station's status for people, one fact a line. */
export function formatStatus(url: string, s: Status): string {
  const job = s.job
    ? `${s.job.id}  run ${s.job.runId} trial ${s.job.index} seed ${s.job.seed} attempt ${s.job.attempt}`
    : "-";
  const holds = [s.paused ? "paused" : "", s.parked ? "arm parked out of view (avoid)" : ""].filter(Boolean);
  const c = s.counters;
  return [
    `station   ${s.station}  ${url}  (protocol ${s.protocolVersion})`,
    `task      ${s.task.id}@${s.task.version}  evaluation ${s.task.evalFingerprint.slice(0, 12)}`,
    `phase     ${s.phase} since ${s.phaseSince}${holds.length ? `; ${holds.join(", ")}: resume to go on` : ""}`,
    `job       ${job}`,
    `trials    ${c.started} started, ${c.done} done, ${c.failed} failed, ${c.refused} refused`,
    `rollout   ${s.rolloutDir}  (${c.rollouts} opened)`,
    `error     ${s.lastError ? `${s.lastError.code}: ${s.lastError.message} (${s.lastError.at})` : "-"}`,
  ].join("\n");
}

function portFlag(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new InvalidInputError(`--port must be an integer from 0 to 65535, got "${value}"`);
  }
  return port;
}

function msFlag(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) === 0) {
    throw new InvalidInputError(`--timeout-ms must be a positive integer, got "${value}"`);
  }
  return Number(value);
}
