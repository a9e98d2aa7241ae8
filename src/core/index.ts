export * from "./env.js";
export * from "./errors.js";
export * from "./hash.js";
export * from "./policy.js";
export * from "./rng.js";
export * from "./space.js";
export * from "./trial.js";
