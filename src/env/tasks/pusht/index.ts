/** Push-T: the task, its verdict, and the pieces other modules may use (geometry, coverage, keypoints, pictures). */
export { blockCoverage, coverageReward, isCoverageSuccess, poseCoverage } from "./coverage.js";
export * from "./geometry.js";
export { BLOCK_KEYPOINT_COUNT, blockKeypoints, keypointObservation } from "./keypoints.js";
export { PushTPhysics, type PushTState, wrapAngle } from "./physics.js";
export {
  PIXEL_OBS_SIZE,
  PUSHT_OBS_TYPES,
  PUSHT_SPEC,
  PushT,
  type PushTObs,
  type PushTObsMap,
  type PushTObsType,
  type PushTOptions,
  pushTEvalFingerprint,
  sampleResetState,
} from "./pusht.js";
export { type PushTScene, renderPushT } from "./render.js";
export { verifyCoverage } from "./verify.js";
