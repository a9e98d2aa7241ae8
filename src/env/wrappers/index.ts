export { clipAction } from "./clip-action.js";
export { type SafetyLimits, safety, withSafety } from "./safety.js";
export { type StepDeadline, withStepDeadline } from "./watchdog.js";
export { boxActionSpace, type EnvOverrides, type WrappedEnv, type WrapperLayer, wrap, wrapperStack } from "./wrap.js";
