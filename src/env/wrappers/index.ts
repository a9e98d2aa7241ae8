export { clipAction } from "./clip-action.js";
export { type SafetyLimits, safety, withSafety } from "./safety.js";
export {
  contactForceLimit,
  deltaCap3d,
  distanceToHull,
  type EStopEnv,
  eeWorkspace,
  eStop,
  findEStop,
  findRobot,
  gripperForceLimit,
  isRobotStateSource,
  jointLimits,
  type Keypose,
  type RobotCommand,
  type RobotState,
  type RobotStateSource,
  type Safety3dLimits,
  safetyZone,
  withSafety3d,
} from "./safety-3d.js";
export { type StepDeadline, withStepDeadline } from "./watchdog.js";
export { boxActionSpace, type EnvOverrides, type WrappedEnv, type WrapperLayer, wrap, wrapperStack } from "./wrap.js";
