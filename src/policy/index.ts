export type { CreatePolicy, PolicyInstance, PolicyModuleExport, PolicyTask } from "./authoring.js";
export { loadPolicy } from "./load.js";
export { BUNDLE_NAME, bundlePolicy, POLICY_MODULE_GLOBAL, type PolicyBundle } from "./sandbox/bundle.js";
export {
  SandboxedPolicy,
  type SandboxOptions,
  type SandboxStats,
  sandboxDefaults,
} from "./sandbox/sandbox.js";
