/**
 * A classification head's loss as one kernel: the per-sample cross-entropy of logits against
 * integer labels, −log softmax(z)[label], and its gradient dy·(softmax(z) − onehot(label)) as
 * another. Composed from tfjs ops the same loss is a one-hot, a log-softmax (max, subtract, exp,
 * sum, log, subtract), a product and a sum, and its backward pass as many again: about 22 kernel
 * calls a step whose dispatch, on a small model, costs more than the arithmetic (issue 13: 82 calls
 * in a 20-64-64-2 MLP's step). A third kernel counts correct predictions (argmax, equal, cast, sum).
 *
 * The arithmetic is tfjs's, in float32: each max-shifted logit, exp, running sum and log is rounded
 * to float32 as cpu's kernels round them, so the loss matches the composed one to float rounding
 * (exp and log of the wasm backend may differ from JavaScript's in the last bit). A label outside
 * [0, classes) gives a zero loss and a zero gradient, as a one-hot of it (all zeros) does.
 * Registered for cpu and wasm, whose tensors live in memory JavaScript reads directly; on other
 * backends (TensorFlow's, where a kernel call is cheap) `softmaxCrossEntropy` returns undefined
 * and the caller composes the loss from tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const SOFTMAX_CROSS_ENTROPY = 'JointrainSoftmaxCrossEntropy';
export const SOFTMAX_CROSS_ENTROPY_GRAD = 'JointrainSoftmaxCrossEntropyGrad';
export const COUNT_CORRECT = 'JointrainCountCorrect';

type Values = Float32Array | Int32Array;

/** Reading inputs and making outputs, for a backend whose tensors JavaScript can read in place. */
interface HostMemory {
  read(info: tf.TensorInfo): Values;
  /** A new float32 output, filled by `fill` from its values' array. */
  output(shape: number[], fill: (values: Float32Array) => void): tf.TensorInfo;
}

function wasmMemory(backend: BackendWasm): HostMemory {
  return {
    read: (info) => backend.typedArrayFromHeap(info) as Values,
    output: (shape, fill) => {
      const out = backend.makeOutput(shape, 'float32');
      // After makeOutput: growing the heap there detaches views taken before.
      fill(backend.typedArrayFromHeap(out) as Float32Array);
      return out;
    },
  };
}

interface CpuBackend {
  data: { get(dataId: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuMemory(backend: CpuBackend): HostMemory {
  return {
    read: (info) => backend.data.get(info.dataId).values,
    output: (shape, fill) => {
      const values = new Float32Array(tf.util.sizeFromShape(shape));
      fill(values);
      return backend.makeTensorInfo(shape, 'float32', values);
    },
  };
}

const f = Math.fround;

/** Per row of logits z: its max m and log Σ exp(z − m), each step rounded to float32. */
function rowNormaliser(z: Values, start: number, classes: number): { max: number; logSum: number } {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = Math.max(max, z[start + j] as number);
  let sum = 0;
  for (let j = 0; j < classes; j++) sum = f(sum + f(Math.exp(f((z[start + j] as number) - max))));
  return { max, logSum: f(Math.log(sum)) };
}

function rowsAndClasses(logits: tf.TensorInfo): [number, number] {
  if (logits.shape.length !== 2) throw new Error(`${SOFTMAX_CROSS_ENTROPY} takes [samples, classes] logits, not shape [${logits.shape.join(', ')}]`);
  return logits.shape as [number, number];
}

function losses(memory: HostMemory, logits: tf.TensorInfo, labels: tf.TensorInfo): tf.TensorInfo {
  const [rows, classes] = rowsAndClasses(logits);
  return memory.output([rows], (out) => {
    const z = memory.read(logits);
    const y = memory.read(labels);
    for (let i = 0; i < rows; i++) {
      const label = y[i] as number;
      if (!(label >= 0 && label < classes)) {
        out[i] = 0;
        continue;
      }
      const { max, logSum } = rowNormaliser(z, i * classes, classes);
      out[i] = -f(f((z[i * classes + label] as number) - max) - logSum);
    }
  });
}

function lossGradient(memory: HostMemory, dy: tf.TensorInfo, logits: tf.TensorInfo, labels: tf.TensorInfo): tf.TensorInfo {
  const [rows, classes] = rowsAndClasses(logits);
  return memory.output([rows, classes], (out) => {
    const z = memory.read(logits);
    const y = memory.read(labels);
    const upstream = memory.read(dy);
    for (let i = 0; i < rows; i++) {
      const label = y[i] as number;
      const start = i * classes;
      if (!(label >= 0 && label < classes)) {
        out.fill(0, start, start + classes);
        continue;
      }
      const { max, logSum } = rowNormaliser(z, start, classes);
      const scale = upstream[i] as number;
      for (let j = 0; j < classes; j++) {
        const probability = f(Math.exp(f(f((z[start + j] as number) - max) - logSum)));
        out[start + j] = f(scale * (j === label ? f(probability - 1) : probability));
      }
    }
  });
}

/** How many rows' first largest value sits at their label (tfjs argMax's rule: the first maximum wins). */
function correctCount(memory: HostMemory, scores: tf.TensorInfo, labels: tf.TensorInfo): tf.TensorInfo {
  const [rows, classes] = rowsAndClasses(scores);
  return memory.output([], (out) => {
    const z = memory.read(scores);
    const y = memory.read(labels);
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      const start = i * classes;
      let best = 0;
      for (let j = 1; j < classes; j++) if ((z[start + j] as number) > (z[start + best] as number)) best = j;
      if (best === y[i]) correct++;
    }
    out[0] = correct;
  });
}

type MemoryOf = (backend: unknown) => HostMemory;
const MEMORY: Record<'cpu' | 'wasm', MemoryOf> = {
  cpu: (backend) => cpuMemory(backend as CpuBackend),
  wasm: (backend) => wasmMemory(backend as BackendWasm),
};

function kernelsFor(backendName: 'cpu' | 'wasm'): tf.KernelConfig[] {
  const memory = MEMORY[backendName];
  const inputs = (args: { inputs: tf.NamedTensorInfoMap }) => args.inputs as Record<'dy' | 'logits' | 'labels', tf.TensorInfo>;
  return [
    { kernelName: SOFTMAX_CROSS_ENTROPY, backendName, kernelFunc: (args) => losses(memory(args.backend), inputs(args).logits, inputs(args).labels) },
    {
      kernelName: SOFTMAX_CROSS_ENTROPY_GRAD,
      backendName,
      kernelFunc: (args) => lossGradient(memory(args.backend), inputs(args).dy, inputs(args).logits, inputs(args).labels),
    },
    { kernelName: COUNT_CORRECT, backendName, kernelFunc: (args) => correctCount(memory(args.backend), inputs(args).logits, inputs(args).labels) },
  ];
}

const softmaxCrossEntropyGradient: tf.GradConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved) => {
    const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
    return {
      logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD, { dy: dy as tf.Tensor, logits, labels }) as tf.Tensor,
      labels: () => tf.zeros(labels.shape),
    };
  },
};

let registered = false;

/** Registers the three kernels for cpu and wasm, and the loss's gradient, once. */
function registerLossKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['cpu', 'wasm'] as const) {
    for (const kernel of kernelsFor(backendName)) {
      if (tf.getKernel(kernel.kernelName, backendName) === undefined) tf.registerKernel(kernel);
    }
  }
  if (tf.getGradient(SOFTMAX_CROSS_ENTROPY) === undefined) tf.registerGradient(softmaxCrossEntropyGradient);
}

/** Registered on first use, so that every way of choosing cpu or wasm (selectBackend, a test's setBackend) gets them. */
function registeredHere(kernelName: string): boolean {
  registerLossKernels();
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Per-sample −log softmax(logits)[label] ([n]) by the fused kernel, differentiable with respect to
 * the logits; undefined where the current backend does not have it.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D | undefined {
  if (!registeredHere(SOFTMAX_CROSS_ENTROPY) || logits.dtype !== 'float32' || labels.dtype !== 'int32') return undefined;
  return tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }) as tf.Tensor1D;
}

/** The number of rows whose largest score is at their label, as a float32 scalar; undefined where the kernel is not registered. */
export function countCorrect(scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar | undefined {
  if (!registeredHere(COUNT_CORRECT) || scores.dtype !== 'float32' || labels.dtype !== 'int32') return undefined;
  return tf.engine().runKernel(COUNT_CORRECT, { logits: scores, labels }) as tf.Scalar;
}
