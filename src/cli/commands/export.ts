/**
 * `enpire export RUN --format lerobot --out DIR`: writes a run's trials as a LeRobotDataset v3.0 (parquet, mp4 and
 * meta) for training with LeRobot (see rollout/export/lerobot.ts for the layout).
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { listTasks } from "../../env/registry.js";
import { exportLeRobot } from "../../rollout/export/lerobot.js";
import { RunStore } from "../../rollout/store.js";

const FORMATS = ["lerobot"];

interface ExportFlags {
  format: string;
  out?: string;
  successOnly: boolean;
  video?: boolean;
  fps?: string;
  store?: string;
  json: boolean;
}

export function registerExportCommands(program: Command): void {
  program
    .command("export")
    .description("export a run's trials as a dataset for training elsewhere (LeRobotDataset v3.0)")
    .argument("<run>", "run id or an unambiguous prefix")
    .option("--format <name>", `dataset format: ${FORMATS.join(", ")}`, "lerobot")
    .option("--out <dir>", "directory to create (must not exist, or be empty)")
    .option("--success-only", "only trials the verifier passed", false)
    .option("--video", "observation.image from the trials' videos; trials without one are left out")
    .option("--no-video", "no images, even where trials have videos")
    .option("--fps <n>", "frames per second (default: the task's control rate)")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the result as JSON on stdout", false)
    .action(async (runId: string, o: ExportFlags) => {
      if (!FORMATS.includes(o.format)) {
        throw new InvalidInputError(`--format "${o.format}" is not known; choose one of ${FORMATS.join(", ")}`);
      }
      if (!o.out) throw new InvalidInputError("--out DIR is required: the directory to write the dataset into");
      const store = RunStore.open(o.store);
      try {
        const run = store.getRun(runId);
        const spec = listTasks().find((t) => t.id === run.taskId);
        const fps = o.fps === undefined ? spec?.controlHz : Number(o.fps);
        if (fps === undefined) {
          throw new InvalidInputError(`task "${run.taskId}" is not known here, so its rate is not: pass --fps`);
        }
        const result = await exportLeRobot(store, run.id, o.out, {
          fps,
          successOnly: o.successOnly,
          video: o.video,
        });
        if (o.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        const images = result.video ? "with video" : "without video";
        process.stdout.write(
          `wrote ${result.episodes} episodes, ${result.frames} frames (${images}) of run ${run.id} to ${result.outDir}\n`,
        );
        if (result.skipped.length > 0) {
          const counts = new Map<string, number>();
          for (const s of result.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
          const why = [...counts].map(([reason, n]) => `${n} ${reason}`).join("; ");
          process.stdout.write(`left out ${result.skipped.length} trials: ${why}\n`);
        }
      } finally {
        store.close();
      }
    });
}
