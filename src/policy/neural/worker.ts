/**
 * The inference worker: one per thread that uses the `nn` tool set, started lazily by inference.ts and driven
 * synchronously through synckit's runAsWorker. It holds the loaded models by id and awaits the backends' asynchronous
 * calls (onnxruntime's InferenceSession.create/run, TensorFlow.js's loadLayersModel) while its caller waits.
 */
import { runAsWorker } from "synckit";
import { type LoadedModel, loadModel } from "./backends.js";
import type { WorkerRequest } from "./protocol.js";

const models = new Map<number, LoadedModel>();
let nextId = 1;

runAsWorker(async (request: WorkerRequest) => {
  switch (request.op) {
    case "load": {
      const model = await loadModel(request.source);
      const id = nextId++;
      models.set(id, model);
      return { id, info: model.info };
    }
    case "run": {
      const model = models.get(request.id);
      if (!model) throw new Error(`no model with id ${request.id} is loaded in the inference worker`);
      return model.run(request.feeds);
    }
    case "free": {
      const model = models.get(request.id);
      models.delete(request.id);
      await model?.dispose();
      return { freed: model !== undefined };
    }
    case "count":
      return { models: models.size };
  }
});
