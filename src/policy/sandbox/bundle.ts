import fs from "node:fs/promises";
import { isBuiltin } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";
import { InvalidInputError, PolicyError } from "../../core/errors.js";
import { sha256 } from "../../core/hash.js";
import { BundleMap } from "./source-map.js";

/** The global the bundle assigns the policy module to, inside the sandbox. */
export const POLICY_MODULE_GLOBAL = "__enpirePolicyModule";
/** The script name the bundle runs under in the sandbox; stack frames naming it are mapped back to the sources. */
export const BUNDLE_NAME = "enpire-policy-bundle.js";

/** A policy file and everything it imports, as one script that the sandbox can run. */
export interface PolicyBundle {
  /** Absolute path of the entry file. */
  path: string;
  /** The entry file's text, as written (recorded with each run). */
  source: string;
  /** One script (an IIFE) that assigns the module's exports to POLICY_MODULE_GLOBAL. */
  code: string;
  /** Hex sha256 of `code`: the same policy files give the same hash wherever they sit. */
  sha256: string;
  /** Maps the bundle's stack frames back to the policy's files. */
  map: BundleMap;
  /** The same map as plain data (see PolicyBundleData). */
  mapJson: { mappings: string; sources: string[] };
}

/**
 * Bundles a policy written in TypeScript or JavaScript, with its own relative imports, into one script for the
 * sandbox. Only the policy's own files can be imported ("./helper.js"): a Node builtin or a package cannot be, since
 * nothing outside the sandbox is reachable from it, and such an import is a load error naming it. Type-only imports
 * are erased and may name anything. Built the same way everywhere: no tsconfig is read.
 * @example const bundle = await bundlePolicy("policies/reach.ts"); // bundle.sha256 fingerprints the policy
 */
export async function bundlePolicy(file: string): Promise<PolicyBundle> {
  const entry = path.resolve(file);
  const source = await readPolicyFile(file, entry);
  const dir = path.dirname(entry);
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: dir, // paths inside the bundle are relative to the policy, so its hash does not depend on cwd
      outfile: path.join(dir, BUNDLE_NAME), // never written: write is false
      write: false,
      bundle: true,
      platform: "neutral",
      format: "iife",
      globalName: POLICY_MODULE_GLOBAL,
      target: "es2022",
      sourcemap: "external",
      sourcesContent: false,
      tsconfigRaw: {},
      charset: "utf8",
      // model files import as Uint8Array (`import model from "./model.onnx"`), so the bundle's sha256 covers the weights
      loader: { ".onnx": "binary", ".bin": "binary" },
      logLevel: "silent",
      plugins: [ownFilesOnly],
    });
  } catch (err) {
    throw new PolicyError(`policy file "${file}" does not build: ${describeBuildFailure(err, dir)}`, "load", {
      cause: err,
    });
  }
  const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
  const rawMap = JSON.parse(result.outputFiles.find((f) => f.path.endsWith(".map"))?.text ?? "{}") as {
    mappings?: string;
    sources?: string[];
  };
  const shown = (rawMap.sources ?? []).map((s) => path.relative(process.cwd(), path.resolve(dir, s)));
  return {
    path: entry,
    source,
    code,
    sha256: sha256(code),
    map: new BundleMap(rawMap.mappings ?? "", shown),
    mapJson: { mappings: rawMap.mappings ?? "", sources: shown },
  };
}

/**
 * A bundle as plain data, to send to another thread, process or machine (a station) and rebuild there with
 * `bundleFromData`. The code's sha256 is checked on arrival.
 */
export interface PolicyBundleData {
  path: string;
  source: string;
  code: string;
  sha256: string;
  map: { mappings: string; sources: string[] };
}

export function bundleToData(bundle: PolicyBundle): PolicyBundleData {
  const { path: p, source, code, sha256: hash, mapJson } = bundle;
  return { path: p, source, code, sha256: hash, map: mapJson };
}

export function bundleFromData(data: PolicyBundleData): PolicyBundle {
  if (sha256(data.code) !== data.sha256) {
    throw new PolicyError(
      `policy bundle for "${data.path}" does not match its sha256; it was changed in transit`,
      "load",
    );
  }
  return { ...data, map: new BundleMap(data.map.mappings, data.map.sources), mapJson: data.map };
}

async function readPolicyFile(file: string, entry: string): Promise<string> {
  try {
    const stat = await fs.stat(entry);
    if (!stat.isFile())
      throw new InvalidInputError(`policy file "${file}" is not a file; pass the path of a .ts or .js module`);
    return await fs.readFile(entry, "utf8");
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new InvalidInputError(`policy file "${file}" does not exist (looked for ${entry})`, { cause: err });
    throw new InvalidInputError(`policy file "${file}" cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/** Refuses every import that is not a relative path: builtins and packages do not exist inside the sandbox. */
const ownFilesOnly: esbuild.Plugin = {
  name: "enpire-own-files-only",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point" || args.path.startsWith("./") || args.path.startsWith("../")) return undefined;
      const what = path.isAbsolute(args.path)
        ? "an absolute path"
        : isBuiltin(args.path)
          ? "a Node builtin"
          : "a package";
      return {
        errors: [
          {
            text:
              `cannot import "${args.path}" (${what}): a policy runs in a sandbox with no filesystem, network, ` +
              `process or packages, and may import only its own files by relative path, e.g. "./helper.js"`,
          },
        ],
      };
    });
  },
};

/** esbuild's first error as one line, "policy.ts:3:14: Expected ";" but found ")"", plus how many more there are. */
function describeBuildFailure(err: unknown, dir: string): string {
  const errors = (err as Partial<esbuild.BuildFailure>).errors;
  if (!errors?.length) return err instanceof Error ? err.message : String(err);
  const first = errors[0];
  const loc = first.location;
  const where = loc ? `${path.relative(process.cwd(), path.resolve(dir, loc.file))}:${loc.line}:${loc.column}: ` : "";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
  return `${where}${first.text}${more}`;
}
