// Starts worker.ts from TypeScript sources (tests, `npx tsx`): Node 20 does not apply `--import tsx` to a worker's
// entry file, so the worker registers tsx's loader itself first. The compiled dist/ runs worker.js directly.
const api = await import("tsx/esm/api");
api.register();
await import("./worker.ts");
