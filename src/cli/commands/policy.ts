/**
 * `enpire policy wrap MODEL.onnx --task pusht --obs state --out DIR`: makes a network trained elsewhere (PyTorch,
 * LeRobot, exported to ONNX) an enpire policy folder (src/policy/neural/write-policy.ts), so that `enpire run` and
 * the research loop evaluate it on enpire's stations like any other policy. The model is loaded once here, so a file
 * that is not a model, or whose input does not fit the task's observation, is refused before anything is written.
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { boxSize, type Space } from "../../core/space.js";
import { taskSpec } from "../../env/registry.js";
import { loadModel } from "../../policy/neural/backends.js";
import { writeNeuralPolicy } from "../../policy/neural/write-policy.js";

interface WrapFlags {
  task: string;
  obs: string;
  out?: string;
  normalize: string;
  input?: string;
  output?: string;
  json: boolean;
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command("policy").description("policy folders: wrap a network trained elsewhere");
  policy
    .command("wrap")
    .description(
      "make an ONNX model an enpire policy folder: state (or image) in, action in [-1, 1] out, mapped onto the " +
        "task's action box (see src/policy/neural/README.md for the conventions)",
    )
    .argument("<model>", "the .onnx file")
    .option("--task <id>", "task id", "pusht")
    .option(
      "--obs <type>",
      "the task observation type the network takes, e.g. state, pixels, pixels_agent_pos",
      "state",
    )
    .option("--out <dir>", "the policy folder to write")
    .option(
      "--normalize <how>",
      "state inputs: none (as observed) or space (each number from the task's observation bounds to [-1, 1])",
      "none",
    )
    .option("--input <name>", "the model input that takes the state (default: its first)")
    .option("--output <name>", "the model output that holds the action (default: its first)")
    .option("--json", "the result as JSON on stdout", false)
    .action(async (model: string, o: WrapFlags) => {
      if (!o.out) throw new InvalidInputError("--out DIR is required: the policy folder to write");
      if (!fs.existsSync(model)) throw new InvalidInputError(`model file "${model}" does not exist`);
      if (!["none", "space"].includes(o.normalize))
        throw new InvalidInputError(`--normalize must be none or space, got "${o.normalize}"`);
      const { observationSpace, actionSpace } = taskSpec(o.task, o.obs); // refuses an unknown task or observation type
      if (actionSpace.kind !== "box") throw new InvalidInputError(`task ${o.task} has no box action space`);
      const kind = o.obs.startsWith("pixels") ? "pixels" : "state";
      const stateSpace = stateBox(observationSpace);

      const bytes = new Uint8Array(fs.readFileSync(model));
      const loaded = await loadModel({ format: "onnx", bytes }).catch((err: unknown) => {
        throw new InvalidInputError(`"${model}" does not load as an ONNX model: ${(err as Error).message}`);
      });
      const info = loaded.info;
      await loaded.dispose();
      const input = o.input ? info.inputs.find((i) => i.name === o.input) : info.inputs[0];
      if (!input) throw new InvalidInputError(`the model has no input "${o.input}"; it has ${names(info.inputs)}`);
      if (o.output && !info.outputs.some((i) => i.name === o.output))
        throw new InvalidInputError(`the model has no output "${o.output}"; it has ${names(info.outputs)}`);
      const width = input.shape.at(-1);
      if (kind === "state" && stateSpace && width !== undefined && width > 0 && width !== boxSize(stateSpace)) {
        throw new InvalidInputError(
          `the model's input "${input.name}" takes ${width} numbers, but ${o.task}'s ${o.obs} observation has ` +
            `${boxSize(stateSpace)}`,
        );
      }
      const actDim = boxSize(actionSpace);
      const dir = path.resolve(o.out);
      const { policyFile } = await writeNeuralPolicy(dir, {
        format: "onnx",
        bytes,
        ...(o.input && { inputName: o.input }),
        ...(o.output && { outputName: o.output }),
        obsType: o.obs,
        observation: {
          kind,
          ...(o.normalize === "space" &&
            stateSpace && {
              normalize: {
                low: Array(boxSize(stateSpace)).fill(stateSpace.low),
                high: Array(boxSize(stateSpace)).fill(stateSpace.high),
              },
            }),
        },
        action: { low: Array(actDim).fill(actionSpace.low), high: Array(actDim).fill(actionSpace.high) },
        createdBy: { algorithm: "onnx (trained elsewhere)", data: path.basename(model) },
      });
      const result = { policyFile, inputs: info.inputs, outputs: info.outputs };
      if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        process.stdout.write(
          `policy written: ${policyFile}\n  inputs  ${names(info.inputs)}\n  outputs ${names(info.outputs)}\n` +
            `run it: enpire run --task ${o.task} --obs ${o.obs} --policy ${path.relative(process.cwd(), policyFile)}\n`,
        );
      }
    });
}

/** The observation's state part: the whole box for a state observation, agent_pos for a dict with pixels. */
function stateBox(space: Space): (Space & { kind: "box" }) | undefined {
  if (space.kind === "box") return space.shape.length === 1 ? space : undefined;
  return space.spaces.agent_pos;
}

function names(list: { name: string; shape: number[] }[]): string {
  return list.map((i) => `${i.name} [${i.shape.join(", ")}]`).join(", ");
}
