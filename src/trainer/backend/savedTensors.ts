/**
 * What tfjs keeps of a training step's forward pass for its backward pass, without a kernel call
 * per tensor. When a gradient is being recorded, tfjs's engine saves each kernel's inputs and
 * outputs that its gradient needs by `clone()`: an Identity kernel run through the whole engine
 * (kernel lookup, scopes, a tape node of its own) — 29 of the 113 kernel calls of a small MLP's
 * step, about a tenth of its time. On cpu and on wasm with jointrain's Identity, that kernel only
 * takes a reference to the same data, which is what this does directly. The clone's tape node
 * matters only to a gradient of a gradient (its output feeds no forward kernel, so a first-order
 * gradient prunes it); while gradients are nested, the engine's own clone runs.
 */
import * as tf from '@tensorflow/tfjs';

interface EngineInternals {
  backendName: string;
  state: { gradientDepth: number };
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: tf.KernelBackend): tf.Tensor;
  keep<T extends tf.Tensor>(tensor: T): T;
  backend: tf.KernelBackend;
}

/** Backends whose Identity shares the data (wasm's only once jointrain's Identity is registered). */
const SHARING_BACKENDS = new Set(['cpu', 'wasm']);
let original: EngineInternals['saveTensorsForBackwardMode'] | undefined;

export function shareSavedTensors(): void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (original !== undefined) return;
  const engineSave = engine.saveTensorsForBackwardMode.bind(engine);
  original = engineSave;
  engine.saveTensorsForBackwardMode = (tensors) => {
    if (engine.state.gradientDepth > 1 || !SHARING_BACKENDS.has(engine.backendName) || tensors.some((tensor) => tensor.dtype === 'string')) {
      return engineSave(tensors);
    }
    const backend = engine.backend;
    return tensors.map((tensor) => {
      backend.incRef(tensor.dataId);
      return engine.keep(engine.makeTensorFromTensorInfo({ dataId: tensor.dataId, shape: tensor.shape, dtype: tensor.dtype }, backend));
    });
  };
}
