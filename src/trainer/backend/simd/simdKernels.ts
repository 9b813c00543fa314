/**
 * jointrain's own SIMD kernels (kernels.c, compiled by scripts/build-simd.mjs) instantiated over the
 * tfjs wasm backend's memory, so that they read and write its tensors in place. One instance per
 * backend; none where this Node cannot run wasm SIMD, and callers then keep their other path.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM_BASE64 } from './kernelsWasm';

export interface SimdKernels {
  adam_update(
    x: number,
    g: number,
    m: number,
    v: number,
    xOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    beta2: number,
    share1: number,
    share2: number,
    correction1: number,
    correction2: number,
    epsilon: number,
    step: number,
  ): void;
  max_pool_grad_disjoint(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    outH: number,
    outW: number,
    filterH: number,
    filterW: number,
    strideH: number,
    strideW: number,
    top: number,
    left: number,
  ): void;
  conv2d_backprop_filter(xPadded: number, dy: number, dw: number, ...shape: ConvShape): void;
  /** The forward convolution (NHWC, dilation 1) of an already padded input; w is [fh, fw, ci, co]. */
  conv2d_forward(xPadded: number, w: number, out: number, ...shape: ConvShape): void;
  /** The same for out_c < 8 and in_c a multiple of 4, with the filter transposed to [co, fh, fw, ci]. */
  conv2d_forward_narrow(xPadded: number, wt: number, out: number, ...shape: ConvShape): void;
  depthwise_backprop_filter(x: number, dy: number, dw: number, ...shape: DepthwiseShape): void;
  depthwise_backprop_input(dy: number, filter: number, dx: number, ...shape: DepthwiseShape): void;
  sum_leading_axes(x: number, out: number, rows: number, columns: number): void;
  relu_grad(dy: number, x: number, dx: number, n: number): void;
  clip_grad(dy: number, x: number, dx: number, n: number, low: number, high: number): void;
  softmax_grad(dy: number, y: number, dx: number, rows: number, classes: number): void;
  bias_add(x: number, bias: number, out: number, rows: number, channels: number): void;
  mean_middle(x: number, out: number, outer: number, reduce: number, inner: number, divisor: number): void;
  mean_grad(dy: number, dx: number, outer: number, reduce: number, inner: number, divisor: number): void;
  gather_rows(table: number, indices: number, out: number, count: number, rowSize: number): void;
  segment_sum_rows(x: number, ids: number, out: number, count: number, rowSize: number, segments: number): void;
  /** c = act(A·b + bias): b is [k, n]; A is [m, k], or [k, m] read transposed; bias 0 for none. */
  gemm(a: number, b: number, bias: number, c: number, m: number, n: number, k: number, aTransposed: number, relu: number): void;
  pad_hw(
    x: number,
    out: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
    value: number,
  ): void;
}

/** batch, paddedH, paddedW, inC, outH, outW, outC, filterH, filterW, strideH, strideW: a convolution over an input already padded. */
export type ConvShape = [number, number, number, number, number, number, number, number, number, number, number];

/** A convolution's geometry (dilation 1) in the order the SIMD kernels take it, over `padded` (the input with computeConv2DInfo's pads). */
export function convShape(info: tf.backend_util.Conv2DInfo, padded: TensorInfo): ConvShape {
  return [
    info.batchSize,
    padded.shape[1] as number,
    padded.shape[2] as number,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
  ];
}

/** batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, top, left. */
export type DepthwiseShape = [number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** A depthwise convolution's geometry in the order the SIMD kernels take it. */
export function depthwiseShape(info: {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}): DepthwiseShape {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** The part of the WebAssembly API used here: tsconfig's lib has no DOM, where its types live. */
interface WasmModule {
  readonly kind: 'module';
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
const instances = new WeakMap<BackendWasm, SimdKernels>();

/** The compiled module, or null where wasm SIMD is not supported. */
function simdModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    compiled = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

export function simdSupported(): boolean {
  return simdModule() !== null;
}

/** The kernels bound to this backend's memory, or undefined without wasm SIMD. */
export function simdKernelsFor(backend: BackendWasm): SimdKernels | undefined {
  const existing = instances.get(backend);
  if (existing !== undefined) return existing;
  const module = simdModule();
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (module === null || !(memory instanceof wasmApi.Memory)) return undefined;
  const kernels = new wasmApi.Instance(module, { env: { memory } }).exports as SimdKernels;
  instances.set(backend, kernels);
  return kernels;
}

/** The byte address of a tensor's values in the backend's memory. */
export function addressOf(backend: BackendWasm, info: TensorInfo): number {
  const data = (backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } | undefined } }).dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('tensor data is not on the wasm backend');
  return data.memoryOffset;
}
