export type {
  CreatePolicy,
  PolicyCreateContext,
  PolicyInstance,
  PolicyModuleExport,
  PolicyTask,
  PolicyTool,
} from "./authoring.js";
export { loadPolicy } from "./load.js";
export { BUNDLE_NAME, bundlePolicy, POLICY_MODULE_GLOBAL, type PolicyBundle } from "./sandbox/bundle.js";
export {
  SandboxedPolicy,
  type SandboxOptions,
  type SandboxStats,
  sandboxDefaults,
  type ToolCallRecord,
} from "./sandbox/sandbox.js";
export { toolSetsFor } from "./skills/index.js";
export type { ToolHost, ToolSet, ToolSetFactory } from "./tools.js";
