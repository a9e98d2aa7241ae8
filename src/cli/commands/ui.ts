/**
 * `enpire ui`: serve the web UI (fleet, runs, trials, research, AutoEnvBench; live updates) over the run store until
 * Ctrl-C. On a loopback address it needs no token; on any other address it prints a URL with a fresh access token.
 * `enpire demo` and `enpire agents` serve the same UI beside their team (`serveUiBeside`).
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { RunStore } from "../../rollout/store.js";
import type { UiServer } from "../../web/server.js";

/** Adds `enpire ui [--port 8300] [--host 127.0.0.1] [--store DIR] [--allow-control]` to the program. */
export function registerUiCommands(program: Command): void {
  program
    .command("ui")
    .description("serve the web UI: fleet, runs, trials with their videos, research and benchmarks, live")
    .option("--port <n>", "port to listen on", "8300")
    .option(
      "--host <addr>",
      "address to listen on; anything but loopback requires the printed access token",
      "127.0.0.1",
    )
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--allow-control", "show pause, resume and home buttons for stations (each asks for confirmation)", false)
    .action(async (o: { port: string; host: string; store?: string; allowControl: boolean }) => {
      const port = portNumber(o.port, "--port");
      const { serveUi } = await import("../../web/server.js");
      const store = RunStore.open(o.store);
      let ui: UiServer;
      try {
        ui = await serveUi({ store, port, host: o.host, allowControl: o.allowControl });
      } catch (err) {
        store.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new InvalidInputError(`port ${o.port} on ${o.host} is in use; pass --port`);
        throw err;
      }
      process.stdout.write(`enpire ui: ${ui.url}\n`);
      if (ui.token) {
        process.stdout.write(`enpire ui: listening on ${o.host}; open ${ui.url}?token=${ui.token}\n`);
      }
      process.stdout.write(
        `enpire ui: store ${store.root}${o.allowControl ? ", station control allowed" : ""}; Ctrl-C to stop\n`,
      );
      await untilInterrupted();
      await ui.close();
      store.close();
    });
}

/** A port flag's value, 0..65535 (0: any free port). */
export function portNumber(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidInputError(`${flag} must be an integer in 0..65535, got "${value}"`);
  }
  return Number(value);
}

/**
 * The UI on 127.0.0.1 beside a long job (a team, a demo) in the same process, on `port` or, when that is taken
 * (another `enpire ui` perhaps), on a free one. A UI that cannot start is a line on the log, never the job's failure.
 */
export async function serveUiBeside(
  store: RunStore,
  port: number,
  log: (line: string) => void,
): Promise<UiServer | null> {
  const { serveUi } = await import("../../web/server.js");
  try {
    return await serveUi({ store, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") {
      log(`enpire: the web UI did not start (${(err as Error).message}); \`enpire ui\` serves it separately`);
      return null;
    }
  }
  try {
    const ui = await serveUi({ store, port: 0 });
    log(`enpire: port ${port} is taken; the web UI is on another port`);
    return ui;
  } catch (err) {
    log(`enpire: the web UI did not start (${(err as Error).message}); \`enpire ui\` serves it separately`);
    return null;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
