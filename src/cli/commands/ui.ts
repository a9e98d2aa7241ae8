/**
 * `enpire ui`: serve the web UI (runs, run and trial pages, live updates) over the run store until Ctrl-C. On a
 * loopback address it needs no token; on any other address it prints a URL with a fresh access token.
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { RunStore } from "../../rollout/store.js";

/** Adds `enpire ui [--port 8300] [--host 127.0.0.1] [--store DIR] [--allow-control]` to the program. */
export function registerUiCommands(program: Command): void {
  program
    .command("ui")
    .description("serve the web UI: runs, trials with their videos, live as trials finish")
    .option("--port <n>", "port to listen on", "8300")
    .option(
      "--host <addr>",
      "address to listen on; anything but loopback requires the printed access token",
      "127.0.0.1",
    )
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--allow-control", "allow the UI to start and stop runs (control routes come in a later version)", false)
    .action(async (o: { port: string; host: string; store?: string; allowControl: boolean }) => {
      if (!/^\d+$/.test(o.port) || Number(o.port) > 65535) {
        throw new InvalidInputError(`--port must be an integer in 0..65535, got "${o.port}"`);
      }
      const { serveUi } = await import("../../web/server.js");
      const store = RunStore.open(o.store);
      let ui: Awaited<ReturnType<typeof serveUi>>;
      try {
        ui = await serveUi({ store, port: Number(o.port), host: o.host, allowControl: o.allowControl });
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
        `enpire ui: store ${store.root}${o.allowControl ? ", control allowed" : ""}; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await ui.close();
      store.close();
    });
}
