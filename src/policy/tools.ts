/**
 * Host tools as the policy module names them: the contract lives in core (core/tools.ts) so that a task in env can
 * declare its own tool sets without importing policy.
 */
export type { ToolHost, ToolSet, ToolSetFactory } from "../core/tools.js";
