import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { registerWasmGradients, wasmKernelsInUse } from '../../../src/trainer/backend/wasmGradients';
import { biasAddOperands } from '../../../src/trainer/backend/kernels/biasAdd';
import { MEAN_GRAD, meanBlock } from '../../../src/trainer/backend/kernels/mean';
import { assertClose, onBackend, seededValues } from './backend-compare';

type Pad = 'same' | 'valid';
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

/** Runs a kernel by name on one backend with inputs made from the same seeded values. */
async function kernelOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' }>,
  attrs: tf.NamedAttrMap,
): Promise<{ shape: number[]; values: Float32Array }> {
  return onBackend(backend, () => {
    const tensors: tf.NamedTensorMap = {};
    for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
    return tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  });
}

function dyShape(c: ConvCase, outChannels: number): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad, undefined, outChannels !== c.filter[3]);
  return [info.batchSize, info.outHeight, info.outWidth, outChannels];
}

async function sameOnBothBackends(kernel: string, inputs: Parameters<typeof kernelOn>[2], attrs: tf.NamedAttrMap): Promise<void> {
  const cpu = await kernelOn('cpu', kernel, inputs, attrs);
  const wasm = await kernelOn('wasm', kernel, inputs, attrs);
  assertClose(wasm, cpu, 1e-4);
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'valid' },
  { x: [3, 9, 7, 2], filter: [3, 3, 2, 5], strides: [2, 2], pad: 'same' },
  { x: [3, 9, 7, 2], filter: [3, 2, 2, 5], strides: [2, 2], pad: 'valid' },
  { x: [1, 10, 10, 4], filter: [5, 5, 4, 2], strides: [2, 1], pad: 'same' },
  { x: [4, 1, 12, 3], filter: [1, 3, 3, 6], strides: [1, 2], pad: 'same' },
];

const DEPTHWISE_CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 1], strides: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'valid' },
  { x: [3, 9, 7, 4], filter: [3, 3, 4, 2], strides: [2, 2], pad: 'same' },
  { x: [3, 9, 7, 2], filter: [2, 3, 2, 3], strides: [2, 2], pad: 'valid' },
  { x: [2, 11, 11, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
  { x: [2, 11, 9, 2], filter: [3, 2, 2, 1], strides: [1, 1], pad: 'valid', dilations: [2, 3] },
  // Multiplier 1 takes the SIMD kernels, four channels at a time: with and without a remainder.
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 1], strides: [1, 1], pad: 'same' },
  { x: [3, 9, 7, 9], filter: [3, 3, 9, 1], strides: [2, 2], pad: 'same' },
  { x: [2, 10, 9, 6], filter: [5, 3, 6, 1], strides: [2, 1], pad: 'valid' },
  { x: [2, 12, 12, 8], filter: [3, 3, 8, 1], strides: [1, 1], pad: 'same', dilations: [2, 3] },
];

/** A [fh,fw,c,m] filter with d−1 zero taps between its taps: what a dilation of d computes with. */
function spreadFilter(
  values: Float32Array,
  [fh, fw, c, m]: [number, number, number, number],
  [dh, dw]: [number, number],
): { shape: number[]; values: Float32Array } {
  const spreadW = (fw - 1) * dw + 1;
  const shape = [(fh - 1) * dh + 1, spreadW, c, m];
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const depth = c * m;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = (i * fw + j) * depth;
      out.set(values.subarray(from, from + depth), (i * dh * spreadW + j * dw) * depth);
    }
  }
  return { shape, values: out };
}

const describeCase = (c: ConvCase): string =>
  `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides.join(',')}, ${c.pad}${c.dilations ? `, dilations ${c.dilations.join(',')}` : ''}`;

before(() => registerWasmGradients());

describe('Conv2DBackpropFilter on wasm equals cpu', () => {
  const cases: Array<ConvCase & { dataFormat?: 'NHWC' | 'NCHW' }> = [
    ...CONV_CASES,
    // The SIMD kernel's blocks: 8 and 4 output channels, one at a time for the rest, taps in fours then one.
    { x: [2, 9, 9, 5], filter: [3, 3, 5, 16], strides: [1, 1], pad: 'same' },
    { x: [3, 12, 10, 1], filter: [3, 3, 1, 13], strides: [2, 2], pad: 'same' },
    // Many chunks of output rows, and a batch that starts inside a chunk.
    { x: [3, 30, 30, 2], filter: [5, 5, 2, 8], strides: [1, 1], pad: 'same' },
    { x: [2, 300, 3, 1], filter: [2, 1, 1, 4], strides: [1, 1], pad: 'valid' },
    // NCHW takes the composed kernel.
    { x: [2, 3, 8, 8], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same', dataFormat: 'NCHW' },
  ];
  for (const c of cases) {
    test(`${describeCase(c)}${c.dataFormat === 'NCHW' ? ', NCHW' : ''}`, async () => {
      const nhwc = c.dataFormat === 'NCHW' ? ([c.x[0], c.x[2], c.x[3], c.x[1]] as ConvCase['x']) : c.x;
      const dy = dyShape({ ...c, x: nhwc }, c.filter[3]);
      const dyInput = c.dataFormat === 'NCHW' ? [dy[0], dy[3], dy[1], dy[2]] : dy;
      await sameOnBothBackends(
        tf.Conv2DBackpropFilter,
        { x: { shape: c.x, values: seededValues(c.x, 1) }, dy: { shape: dyInput as number[], values: seededValues(dy, 2) } },
        { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', filterShape: c.filter },
      );
    });
  }
});

describe('Conv2D on wasm (the SIMD kernel, not XNNPACK) equals cpu', () => {
  const cases: Array<Omit<ConvCase, 'pad'> & { pad: Pad | number | tf.backend_util.ExplicitPadding }> = [
    ...CONV_CASES,
    // The SIMD kernel's blocks: 4 positions (and 1 for the rest of a row) × 8, 4 and 1 output channels.
    { x: [2, 9, 11, 5], filter: [3, 3, 5, 16], strides: [1, 1], pad: 'same' },
    { x: [3, 12, 10, 1], filter: [3, 3, 1, 13], strides: [2, 2], pad: 'same' },
    { x: [2, 7, 7, 3], filter: [5, 5, 3, 6], strides: [1, 1], pad: 'valid' },
    { x: [1, 6, 9, 2], filter: [1, 1, 2, 3], strides: [1, 1], pad: 'valid' },
    { x: [2, 28, 28, 1], filter: [5, 5, 1, 6], strides: [1, 1], pad: 'same' },
    // Fewer than 8 output channels from input channels in fours: vectors along the input channels,
    // 2 positions at a time and 1 for the rest of a row, for every count of output channels.
    ...[1, 2, 3, 4, 5, 6, 7].map((outC, k): ConvCase => ({
      x: [2, 7, 5 + k, 4 * (1 + (k % 3))],
      filter: [3, 2 + (k % 2), 4 * (1 + (k % 3)), outC],
      strides: [1, 1 + (k % 2)],
      pad: k % 2 ? 'valid' : 'same',
    })),
    { x: [2, 18, 18, 16], filter: [5, 5, 16, 6], strides: [1, 1], pad: 'valid' },
    // Numeric and explicit padding; a dilation takes wasm's own kernel.
    { x: [2, 8, 9, 3], filter: [3, 3, 3, 8], strides: [2, 1], pad: 1 },
    {
      x: [2, 8, 9, 3],
      filter: [3, 2, 3, 4],
      strides: [1, 2],
      pad: [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ],
    },
    { x: [2, 11, 11, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same', dilations: [2, 2] },
  ];
  for (const c of cases) {
    test(`${describeCase(c as ConvCase)}${typeof c.pad === 'object' ? ' (explicit)' : ''}`, async () => {
      await sameOnBothBackends(
        tf.Conv2D,
        { x: { shape: c.x, values: seededValues(c.x, 3) }, filter: { shape: c.filter, values: seededValues(c.filter, 4) } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations ?? [1, 1] },
      );
    });
  }
});

describe('Conv2DBackpropInput on wasm (replaced for speed) equals cpu', () => {
  const cases: Array<ConvCase & { explicit?: tf.backend_util.ExplicitPadding; dataFormat?: 'NHWC' | 'NCHW' }> = [
    ...CONV_CASES,
    { x: [2, 16, 16, 16], filter: [3, 3, 16, 32], strides: [2, 2], pad: 'same' },
    { x: [2, 7, 8, 3], filter: [3, 2, 3, 4], strides: [3, 2], pad: 'valid' },
    { x: [2, 10, 11, 3], filter: [2, 2, 3, 4], strides: [3, 4], pad: 'valid' },
    { x: [2, 11, 10, 2], filter: [2, 3, 2, 3], strides: [4, 4], pad: 'same' },
    { x: [2, 12, 12, 3], filter: [4, 4, 3, 5], strides: [4, 4], pad: 'valid' },
    { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: [2, 1], pad: 'same', dataFormat: 'NCHW' },
    // Stride 1 is one conv with no crop; with padding wider than the filter it takes the general path.
    { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same', dataFormat: 'NCHW' },
    { x: [2, 8, 9, 3], filter: [4, 2, 3, 5], strides: [1, 1], pad: 'same' },
    {
      x: [2, 6, 7, 2],
      filter: [2, 3, 2, 3],
      strides: [1, 1],
      pad: 'valid',
      explicit: [
        [0, 0],
        [3, 1],
        [0, 4],
        [0, 0],
      ],
    },
    {
      x: [2, 6, 7, 2],
      filter: [2, 3, 2, 3],
      strides: [1, 2],
      pad: 'valid',
      explicit: [
        [0, 0],
        [3, 1],
        [0, 4],
        [0, 0],
      ],
    },
  ];
  for (const c of cases) {
    const name = `${describeCase(c)}${c.explicit ? `, explicit ${JSON.stringify(c.explicit)}` : ''}${c.dataFormat === 'NCHW' ? ', NCHW' : ''}`;
    test(name, async () => {
      const pad = c.explicit ?? c.pad;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, pad);
      const channelsFirst = c.dataFormat === 'NCHW';
      const [b, h, w, ci] = c.x;
      const dy = channelsFirst ? [b, c.filter[3], info.outHeight, info.outWidth] : [b, info.outHeight, info.outWidth, c.filter[3]];
      await sameOnBothBackends(
        tf.Conv2DBackpropInput,
        { dy: { shape: dy, values: seededValues(dy, 8) }, filter: { shape: c.filter, values: seededValues(c.filter, 9) } },
        { strides: c.strides, pad, dataFormat: c.dataFormat ?? 'NHWC', inputShape: channelsFirst ? [b, ci, h, w] : c.x },
      );
    });
  }
});

describe('DepthwiseConv2dNativeBackpropFilter on wasm equals cpu', () => {
  for (const c of DEPTHWISE_CASES) {
    test(describeCase(c), async () => {
      const dy = dyShape(c, c.filter[2] * c.filter[3]);
      const inputs = { x: { shape: c.x, values: seededValues(c.x, 3) }, dy: { shape: dy, values: seededValues(dy, 4) } };
      const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1], filterShape: c.filter };
      if (c.dilations === undefined) return sameOnBothBackends(tf.DepthwiseConv2dNativeBackpropFilter, inputs, attrs);
      // The cpu kernel ignores dilations; its gradient for the zero-spread filter, sampled every d-th tap, is the reference.
      const [dh, dw] = c.dilations;
      const spread: [number, number, number, number] = [(c.filter[0] - 1) * dh + 1, (c.filter[1] - 1) * dw + 1, c.filter[2], c.filter[3]];
      const full = await kernelOn('cpu', tf.DepthwiseConv2dNativeBackpropFilter, inputs, { ...attrs, dilations: [1, 1], filterShape: spread });
      const expected = await onBackend('cpu', () => tf.stridedSlice(tf.tensor(full.values, full.shape), [0, 0, 0, 0], spread, [dh, dw, 1, 1]));
      assertClose(await kernelOn('wasm', tf.DepthwiseConv2dNativeBackpropFilter, inputs, attrs), expected, 1e-4);
    });
  }
});

describe('DepthwiseConv2dNativeBackpropInput on wasm equals cpu', () => {
  for (const c of DEPTHWISE_CASES) {
    test(describeCase(c), async () => {
      const dy = dyShape(c, c.filter[2] * c.filter[3]);
      const filter = { shape: c.filter, values: seededValues(c.filter, 6) };
      const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1], inputShape: c.x };
      const inputs = { dy: { shape: dy, values: seededValues(dy, 5) }, filter };
      if (c.dilations === undefined) return sameOnBothBackends(tf.DepthwiseConv2dNativeBackpropInput, inputs, attrs);
      // The cpu kernel ignores dilations; the same filter spread out with zeros and dilation 1 is the reference.
      const spread = spreadFilter(filter.values, c.filter, c.dilations);
      const expected = await kernelOn('cpu', tf.DepthwiseConv2dNativeBackpropInput, { ...inputs, filter: spread }, { ...attrs, dilations: [1, 1] });
      assertClose(await kernelOn('wasm', tf.DepthwiseConv2dNativeBackpropInput, inputs, attrs), expected, 1e-4);
    });
  }
});

describe('UnsortedSegmentSum on wasm equals cpu', () => {
  const cases: Array<{ x: number[]; ids: number[]; numSegments: number }> = [
    { x: [6], ids: [0, 2, 2, 1, 0, 2], numSegments: 3 },
    // An embedding's gradient (tfjs flattens the ids): rows that fill the SIMD lanes and leave a remainder.
    { x: [6, 6], ids: [4, 0, 4, 1, 4, 9], numSegments: 5 },
    { x: [5, 4], ids: [3, 3, 0, 1, 3], numSegments: 5 },
    { x: [7, 2, 3], ids: [1, 0, 1, 1, 6, 2, 0], numSegments: 7 },
    { x: [4, 3], ids: [0, -1, 9, 1], numSegments: 2 },
  ];
  for (const c of cases) {
    test(`x ${c.x.join('×')}, ${c.numSegments} segments, ids ${c.ids.join(',')}`, async () => {
      await sameOnBothBackends(
        tf.UnsortedSegmentSum,
        { x: { shape: c.x, values: seededValues(c.x, 7) }, segmentIds: { shape: [c.ids.length], values: Int32Array.from(c.ids), dtype: 'int32' } },
        { numSegments: c.numSegments },
      );
    });
  }
});

describe('gradients through the ops on wasm equal cpu', () => {
  const gradientCases: Array<{ name: string; inputs: number[][]; f: (...xs: tf.Tensor[]) => tf.Tensor }> = [
    {
      name: 'conv2d, stride 2, same',
      inputs: [
        [2, 9, 9, 3],
        [3, 3, 3, 4],
      ],
      f: (x, w) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'))),
    },
    {
      name: 'depthwiseConv2d, stride 2, valid',
      inputs: [
        [2, 9, 9, 3],
        [3, 3, 3, 2],
      ],
      f: (x, w) => tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'))),
    },
    {
      name: 'separableConv2d, stride 1, same',
      inputs: [
        [2, 7, 7, 3],
        [3, 3, 3, 2],
        [1, 1, 6, 4],
      ],
      f: (x, d, p) => tf.sum(tf.square(tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, 'same'))),
    },
    {
      name: 'gather (embedding lookup) with repeated ids',
      inputs: [[6, 4]],
      f: (table) => tf.sum(tf.square(tf.gather(table as tf.Tensor2D, tf.tensor1d([1, 4, 1, 0, 5, 1], 'int32')))),
    },
  ];
  for (const [shape, size, stride, pad] of [
    [[2, 8, 8, 4], 2, 2, 'valid'],
    [[3, 9, 7, 5], 3, 2, 'same'],
    [[2, 9, 9, 3], 3, 1, 'same'],
    [[2, 10, 9, 3], 2, 3, 'valid'],
    [[2, 6, 6, 3], 3, 3, 1],
  ] as const) {
    gradientCases.push({
      name: `maxPool ${size}×${size}, stride ${stride}, ${pad}, x ${shape.join('×')} (replaces wasm's MaxPoolGrad)`,
      inputs: [shape.slice()],
      f: (x) => {
        const pooled = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
        return tf.sum(tf.mul(pooled, tf.tensor(seededValues(pooled.shape, 30), pooled.shape)));
      },
    });
  }
  for (const c of gradientCases) {
    test(c.name, async () => {
      const run = (backend: string) =>
        Promise.all(
          c.inputs.map((_, i) =>
            onBackend(backend, () => {
              const xs = c.inputs.map((shape, k) => tf.tensor(seededValues(shape, 10 + k), shape));
              return tf.grads(c.f)(xs)[i] as tf.Tensor;
            }),
          ),
        );
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      cpu.forEach((expected, i) => assertClose(wasm[i] as typeof expected, expected, 1e-4));
    });
  }
});

test('max pooling sends the gradient of an all-negative window to its maximum on wasm, as on cpu', async () => {
  const gradient = (backend: string) =>
    onBackend(backend, () =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([-5, -1, -3, -2, 4, 1, 3, 2], [2, 2, 2, 1])),
    );
  assert.deepEqual(Array.from((await gradient('wasm')).values), [0, 1, 0, 0, 1, 0, 0, 0]);
  assertClose(await gradient('wasm'), await gradient('cpu'), 0);
});

describe("max pooling on wasm sends a tied window's gradient to its first maximum in row-major order, as cpu does", () => {
  test('one window with a three-way tie and one all-equal window', async () => {
    const gradient = (backend: string) =>
      onBackend(backend, () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d([0, 3, -1, -1, 3, 3, -1, -1], [1, 2, 4, 1])),
      );
    assert.deepEqual(Array.from((await gradient('cpu')).values), [0, 1, 1, 0, 0, 0, 0, 0]);
    assertClose(await gradient('wasm'), await gradient('cpu'), 0);
  });
  for (const [size, stride, pad] of [
    [2, 2, 'valid'],
    [3, 2, 'same'],
    [2, 1, 'valid'],
  ] as const) {
    test(`maxPool ${size}×${size}, stride ${stride}, ${pad}, on values with many ties`, async () => {
      const shape = [2, 8, 8, 3];
      const ties = Float32Array.from(seededValues(shape, 40), (value) => Math.round(value * 1.5));
      const gradient = (backend: string) =>
        onBackend(backend, () =>
          tf.grad((x: tf.Tensor) => {
            const pooled = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
            return tf.sum(tf.mul(pooled, tf.tensor(seededValues(pooled.shape, 41), pooled.shape)));
          })(tf.tensor4d(ties, shape as [number, number, number, number])),
        );
      assertClose(await gradient('wasm'), await gradient('cpu'), 0);
    });
  }
});

interface PoolCase {
  x: [number, number, number, number];
  size: number | [number, number];
  stride: number | [number, number];
  pad: Pad | number;
  rounding?: 'floor' | 'round' | 'ceil';
}

/** x's values: seeded floats, small integers (ties in most windows), or stretches of −∞ and NaN among ties. */
const POOL_VALUES: Record<string, (shape: number[]) => Float32Array> = {
  'distinct values': (shape) => seededValues(shape, 50),
  'many ties': (shape) => Float32Array.from(seededValues(shape, 51), (value) => Math.round(value * 1.5)),
  'ties, −∞ and NaN': (shape) => Float32Array.from(seededValues(shape, 52), (value, i) => (i % 7 < 2 ? -Infinity : i % 11 === 0 ? NaN : Math.round(value))),
};

const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' },
  { x: [3, 9, 7, 2], size: 2, stride: 2, pad: 'same' },
  { x: [2, 9, 9, 3], size: 3, stride: 2, pad: 'same' },
  { x: [2, 9, 8, 4], size: 3, stride: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], size: 3, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 2], size: 2, stride: 1, pad: 'valid' },
  { x: [2, 10, 9, 3], size: 3, stride: 3, pad: 'valid' },
  { x: [2, 7, 9, 2], size: 2, stride: 3, pad: 'same' },
  { x: [2, 9, 10, 3], size: [2, 3], stride: [1, 2], pad: 'same' },
  { x: [2, 6, 6, 3], size: 3, stride: 2, pad: 1, rounding: 'ceil' },
  // Disjoint windows take the SIMD kernel, four channels at a time: with a remainder, and without.
  { x: [2, 8, 6, 6], size: 2, stride: 2, pad: 'valid' },
  { x: [1, 7, 7, 17], size: 2, stride: 2, pad: 'same' },
  { x: [2, 6, 6, 16], size: 3, stride: 3, pad: 'valid' },
];

const describePool = (c: PoolCase): string =>
  `x ${c.x.join('×')}, pool ${[c.size].flat().join('×')}, stride ${[c.stride].flat().join(',')}, pad ${c.pad}${c.rounding ? ` (${c.rounding})` : ''}`;

describe('MaxPoolGrad on wasm equals cpu bit for bit', () => {
  for (const c of POOL_CASES) {
    for (const [kind, values] of Object.entries(POOL_VALUES)) {
      test(`${describePool(c)}, ${kind}`, async () => {
        const x = values(c.x);
        const pooled = await onBackend('cpu', () => tf.maxPool(tf.tensor4d(x, c.x), c.size, c.stride, c.pad, c.rounding));
        const attrs = { filterSize: c.size, strides: c.stride, pad: c.pad, ...(c.rounding ? { dimRoundingMode: c.rounding } : {}) };
        const inputs = { dy: { shape: pooled.shape, values: seededValues(pooled.shape, 53) }, input: { shape: c.x, values: x }, output: pooled };
        const cpu = await kernelOn('cpu', tf.MaxPoolGrad, inputs, attrs);
        const wasm = await kernelOn('wasm', tf.MaxPoolGrad, inputs, attrs);
        assert.deepEqual(wasm.shape, cpu.shape);
        // Strict deepEqual compares as Object.is: a wrong pick, another rounding or a −0 all fail.
        assert.deepEqual(Array.from(wasm.values), Array.from(cpu.values));
      });
    }
  }
});

test("MaxPoolGrad on wasm gives +0 where dy is −0, as cpu's sum does, in both its kernels", async () => {
  for (const [size, stride] of <Array<[number, number]>>[
    [2, 2],
    [2, 1],
  ]) {
    const shape: [number, number, number, number] = [1, 4, 4, 5];
    const x = seededValues(shape, 60);
    const pooled = await onBackend('cpu', () => tf.maxPool(tf.tensor4d(x, shape), size, stride, 'valid'));
    const inputs = { dy: { shape: pooled.shape, values: new Float32Array(pooled.values.length).fill(-0) }, input: { shape, values: x }, output: pooled };
    const attrs = { filterSize: size, strides: stride, pad: 'valid' };
    const wasm = await kernelOn('wasm', tf.MaxPoolGrad, inputs, attrs);
    assert.ok(
      Array.from(wasm.values).every((value) => Object.is(value, 0)),
      `pool ${size}, stride ${stride}`,
    );
  }
});

/**
 * wasm's Sum, as tfjs 4.22 ships it: the reduced axes moved last, then each output's values added
 * in that order in float32, from 0. (cpu adds in double precision.)
 */
function float32SumInOrder(values: Float32Array, shape: number[], axes: number[]): { shape: number[]; values: Float32Array } {
  const rank = shape.length;
  const kept = [...Array(rank).keys()].filter((a) => !axes.includes(a));
  const reduced = [...Array(rank).keys()].filter((a) => axes.includes(a));
  const size = (dims: number[]) => dims.reduce((p, a) => p * (shape[a] as number), 1);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const indexOf = (dims: number[], flat: number) => {
    let offset = 0;
    for (let k = dims.length - 1; k >= 0; k--) {
      const a = dims[k] as number;
      offset += (flat % (shape[a] as number)) * (strides[a] as number);
      flat = Math.floor(flat / (shape[a] as number));
    }
    return offset;
  };
  const out = new Float32Array(size(kept));
  for (let o = 0; o < out.length; o++) {
    let sum = 0;
    for (let r = 0; r < size(reduced); r++) sum = Math.fround(sum + (values[indexOf(kept, o) + indexOf(reduced, r)] as number));
    out[o] = sum;
  }
  return { shape: kept.map((a) => shape[a] as number), values: out };
}

describe('Sum on wasm adds as wasm always has, bit for bit, and equals cpu within float rounding (leading axes by the SIMD kernel)', () => {
  const cases: Array<{ shape: number[]; axis: number | number[]; keepDims?: boolean }> = [
    { shape: [64, 8, 8, 17], axis: [0, 1, 2] },
    { shape: [9, 7], axis: 0 },
    { shape: [5, 3, 8], axis: [1, 0], keepDims: true },
    { shape: [4, 6, 5], axis: [-3, -2] },
    { shape: [6, 5], axis: 1 },
    { shape: [4, 6, 5], axis: [0, 2] },
    { shape: [3, 4], axis: [0, 1] },
  ];
  for (const c of cases) {
    test(`x ${c.shape.join('×')}, axis ${JSON.stringify(c.axis)}${c.keepDims ? ', keepDims' : ''}`, async () => {
      // Values of very different magnitudes and some −0, so that another order of addition or a −0 shows.
      const values = Float32Array.from(seededValues(c.shape, 70), (value, i) => (i % 13 === 0 ? -0 : value * 10 ** ((i % 5) - 2)));
      const attrs = { axis: c.axis, keepDims: c.keepDims ?? false };
      const input = { x: { shape: c.shape, values } };
      const cpu = await kernelOn('cpu', tf.Sum, input, attrs);
      const wasm = await kernelOn('wasm', tf.Sum, input, attrs);
      assertClose(wasm, cpu, 1e-6);
      const reference = float32SumInOrder(values, c.shape, tf.util.parseAxisParam(c.axis, c.shape));
      assert.deepEqual(Array.from(wasm.values), Array.from(reference.values));
    });
  }
});

describe("Add on wasm equals cpu bit for bit: a bias (one value per channel of the last axis) by the SIMD kernel, any other by wasm's own", () => {
  const cases: Array<{ a: number[]; b: number[]; simd: boolean }> = [
    { a: [64, 7, 7, 6], b: [6], simd: true },
    { a: [5, 8], b: [8], simd: true },
    { a: [3, 4, 5], b: [1, 1, 5], simd: true },
    { a: [6], b: [4, 6], simd: true },
    { a: [2, 3, 3, 1], b: [1], simd: true },
    { a: [4, 1], b: [1, 5], simd: false },
    { a: [3, 5], b: [3, 5], simd: false },
    { a: [6, 5], b: [6, 1], simd: false },
  ];
  for (const c of cases) {
    test(`${c.a.join('×')} + ${c.b.join('×')}${c.simd ? ' (SIMD)' : ''}`, async () => {
      // Magnitudes far apart and some −0, so that a rounding or a lost −0 shows.
      const values = (shape: number[], seed: number) =>
        Float32Array.from(seededValues(shape, seed), (value, i) => (i % 7 === 0 ? -0 : value * 10 ** ((i % 5) - 2)));
      const inputs = { a: { shape: c.a, values: values(c.a, 80) }, b: { shape: c.b, values: values(c.b, 81) } };
      const cpu = await kernelOn('cpu', tf.Add, inputs, {});
      const wasm = await kernelOn('wasm', tf.Add, inputs, {});
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.deepEqual(new Uint32Array(wasm.values.buffer), new Uint32Array(cpu.values.buffer));
    });
  }

  test('the SIMD kernel takes exactly the bias adds, whichever side the bias is on', () => {
    const shapes = (a: number[], b: number[]) => biasAddOperands({ shape: a }, { shape: b })?.map(({ shape }) => shape);
    assert.ok(wasmKernelsInUse().includes('Add'));
    for (const c of cases) assert.equal(shapes(c.a, c.b) !== undefined, c.simd, `${c.a.join('×')} + ${c.b.join('×')}`);
    assert.deepEqual(shapes([6], [4, 6]), [[4, 6], [6]]);
    assert.deepEqual(shapes([64, 7, 7, 6], [6]), [[64, 7, 7, 6], [6]]);
    // A scalar is not a bias of a vector: one value, not one per channel of a last axis it lacks.
    assert.equal(shapes([5], []), undefined);
  });
});

describe('Mean on wasm and its gradient: adjacent axes by the SIMD kernels, bit for bit as wasm and tfjs compute them', () => {
  const cases: Array<{ shape: number[]; axes: number[]; keepDims?: boolean }> = [
    { shape: [6, 50, 9], axes: [1] },
    { shape: [3, 5, 4, 8], axes: [1, 2] },
    { shape: [3, 5, 4, 8], axes: [2, 1], keepDims: true },
    { shape: [7, 6], axes: [0] },
    { shape: [4, 7, 3], axes: [1, 2] },
    { shape: [4, 7, 3], axes: [0, 2] },
  ];
  const values = (shape: number[]) => Float32Array.from(seededValues(shape, 90), (value, i) => (i % 11 === 0 ? -0 : value * 10 ** ((i % 5) - 2)));
  for (const c of cases) {
    const name = `x ${c.shape.join('×')}, axes ${c.axes.join(', ')}${c.keepDims ? ', keepDims' : ''}`;
    test(`${name}: the mean`, async () => {
      const x = () => tf.tensor(values(c.shape), c.shape);
      const wasm = await onBackend('wasm', () => tf.mean(x(), c.axes, c.keepDims ?? false));
      // wasm's own order: the reduced axes moved last, then a mean over the innermost axes.
      const rest = c.shape.map((_, i) => i).filter((i) => !c.axes.includes(i));
      const perm = [...rest, ...[...c.axes].sort((a, b) => a - b)];
      const innermost = c.axes.map((_, k) => c.shape.length - c.axes.length + k);
      const reference = await onBackend('wasm', () => tf.reshape(tf.mean(tf.transpose(x(), perm), innermost), wasm.shape));
      assert.deepEqual(new Uint32Array(wasm.values.buffer), new Uint32Array(reference.values.buffer));
      assertClose(wasm, await onBackend('cpu', () => tf.mean(x(), c.axes, c.keepDims ?? false)), 1e-6);
    });
    test(`${name}: its gradient`, async () => {
      const outShape = c.shape.filter((_, i) => !c.axes.includes(i));
      const gradient = (backend: string) =>
        onBackend(backend, () =>
          tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mean(v, c.axes), tf.tensor(values(outShape), outShape))))(tf.tensor(values(c.shape), c.shape)),
        );
      // tfjs's own gradient, written out: dy reshaped, times ones the size of x, over n.
      const stock = await onBackend('wasm', () => {
        const kept = c.shape.map((extent, i) => (c.axes.includes(i) ? 1 : extent));
        const n = c.axes.reduce((product, axis) => product * (c.shape[axis] as number), 1);
        return tf.div(tf.mul(tf.reshape(tf.tensor(values(outShape), outShape), kept), tf.ones(c.shape)), n);
      });
      const wasm = await gradient('wasm');
      assert.deepEqual(new Uint32Array(wasm.values.buffer), new Uint32Array(stock.values.buffer));
      assertClose(wasm, await gradient('cpu'), 1e-6);
    });
  }

  test('a mean over tokens and its gradient run the SIMD kernels: no transpose, no ones, no quotient of a product', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(values([6, 50, 9]), [6, 50, 9]);
    const { kernels } = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mean(v, 1)))(x));
    const names = kernels.map((kernel) => kernel.name);
    assert.ok(names.includes(MEAN_GRAD), names.join(', '));
    for (const name of ['Transpose', 'Fill', 'RealDiv']) assert.ok(!names.includes(name), names.join(', '));
    x.dispose();
  });

  test('the SIMD kernels take adjacent axes only', () => {
    assert.deepEqual(meanBlock([128, 50, 64], [1]), { outer: 128, reduce: 50, inner: 64 });
    assert.deepEqual(meanBlock([3, 5, 4, 8], [2, 1]), { outer: 3, reduce: 20, inner: 8 });
    assert.deepEqual(meanBlock([4, 7], [1]), { outer: 4, reduce: 7, inner: 1 });
    assert.equal(meanBlock([4, 7, 3], [0, 2]), undefined);
    assert.ok(wasmKernelsInUse().includes('Mean'));
    assert.ok(wasmKernelsInUse().includes(MEAN_GRAD));
  });
});

test("Identity on wasm shares its input's data, as on cpu: a clone costs no copy and outlives its original", async () => {
  assert.ok(await tf.setBackend('wasm'));
  const original = tf.tensor([1, -0, 3.5, NaN], [2, 2]);
  const buffers = tf.backend().numDataIds();
  const clone = tf.clone(original);
  assert.equal(tf.backend().numDataIds(), buffers);
  original.dispose();
  assert.deepEqual(Array.from(clone.dataSync()), [1, -0, 3.5, NaN]);
  assert.deepEqual(clone.shape, [2, 2]);
  clone.dispose();
  const strings = tf.clone(tf.tensor(['a', 'b']));
  assert.deepEqual(strings.dataSync(), ['a', 'b']);
});

describe('GatherV2 on wasm equals cpu (rows by the SIMD kernel, else by wasm)', () => {
  const cases: Array<{ x: number[]; dtype: 'float32' | 'int32'; indices: number[]; ids: number[]; axis: number; batchDims?: number }> = [
    { x: [7, 5], dtype: 'float32', indices: [2, 3], ids: [6, 0, 3, 3, 1, 6], axis: 0 },
    { x: [4, 3, 2], dtype: 'int32', indices: [5], ids: [3, 0, 0, 2, 1], axis: 0 },
    { x: [9], dtype: 'float32', indices: [4], ids: [8, 0, 4, 4], axis: 0 },
    { x: [3, 6], dtype: 'float32', indices: [4], ids: [5, 0, 2, 5], axis: 1 },
    { x: [2, 4, 3], dtype: 'float32', indices: [2, 2], ids: [3, 0, 1, 1], axis: 1, batchDims: 1 },
  ];
  for (const c of cases) {
    test(`x ${c.x.join('×')} ${c.dtype}, ids ${c.ids.join(',')}, axis ${c.axis}${c.batchDims ? `, batchDims ${c.batchDims}` : ''}`, async () => {
      const run = (backend: string) =>
        onBackend(backend, () => {
          const values = c.dtype === 'int32' ? Int32Array.from(seededValues(c.x, 80), (v) => Math.round(v * 100)) : seededValues(c.x, 80);
          const gathered = tf.gather(tf.tensor(values, c.x, c.dtype), tf.tensor(c.ids, c.indices, 'int32'), c.axis, c.batchDims);
          return tf.cast(gathered, 'float32');
        });
      const [cpu, wasm] = [await run('cpu'), await run('wasm')];
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.deepEqual(Array.from(wasm.values), Array.from(cpu.values));
    });
  }
  test('an index outside the table is refused with the message cpu gives', async () => {
    for (const backend of ['cpu', 'wasm']) {
      assert.ok(await tf.setBackend(backend));
      assert.throws(() => tf.tidy(() => tf.gather(tf.ones([4, 2]), tf.tensor1d([1, 4], 'int32'))), /GatherV2: the index value 4 is not in \[0, 3\]/, backend);
    }
  });
});

describe('BatchMatMul on wasm equals cpu: one pair of matrices by the SIMD product, batches transposed first, then XNNPACK', () => {
  const cases: Array<{ a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }> = [
    { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
    { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
    { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
    { a: [2, 4, 6], b: [2, 5, 6], transposeA: false, transposeB: true },
    { a: [3, 6, 4], b: [1, 6, 5], transposeA: true, transposeB: false },
    { a: [16, 33], b: [40, 33], transposeA: false, transposeB: true },
    // Blocks of 4 rows × 8 columns with every remainder: 9 = 2·4 + 1 rows; 29 = 3·8 + 4 + 1 columns.
    { a: [9, 13], b: [13, 29], transposeA: false, transposeB: false },
    { a: [13, 9], b: [13, 29], transposeA: true, transposeB: false },
    { a: [13, 9], b: [29, 13], transposeA: true, transposeB: true },
    { a: [1, 6, 11], b: [11, 8], transposeA: false, transposeB: false },
    { a: [64, 300], b: [300, 37], transposeA: false, transposeB: false },
  ];
  for (const c of cases) {
    test(`a ${c.a.join('×')}${c.transposeA ? 'ᵀ' : ''} · b ${c.b.join('×')}${c.transposeB ? 'ᵀ' : ''}`, async () => {
      const inputs = { a: { shape: c.a, values: seededValues(c.a, 61) }, b: { shape: c.b, values: seededValues(c.b, 67) } };
      await sameOnBothBackends('BatchMatMul', inputs, { transposeA: c.transposeA, transposeB: c.transposeB });
    });
  }

  for (const activation of ['linear', 'relu', 'elu'] as const) {
    test(`_FusedMatMul, a dense layer's forward pass, with a bias and ${activation} (elu: wasm's own kernel)`, async () => {
      // Rank 3, as tf.fused.matMul hands them to the kernel.
      for (const [a, b, transposeB] of [
        [[1, 9, 13], [1, 13, 29], false],
        [[1, 6, 5], [1, 7, 5], true],
      ] as const) {
        const n = transposeB ? b[1] : b[2];
        const inputs = {
          a: { shape: [...a], values: seededValues([...a], 71) },
          b: { shape: [...b], values: seededValues([...b], 73) },
          bias: { shape: [n], values: seededValues([n], 79) },
        };
        await sameOnBothBackends('_FusedMatMul', inputs, { transposeA: false, transposeB, activation, leakyreluAlpha: 0.2 });
      }
    });
  }

  test('one pair of matrices sums over k in order in float32, bias last: bit for bit a plain reference', async () => {
    const [m, k, n] = [7, 50, 13];
    const a = seededValues([k, m], 83);
    const b = seededValues([k, n], 89);
    const bias = seededValues([n], 97);
    const f = Math.fround;
    const expected = new Float32Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let kk = 0; kk < k; kk++) sum = f(sum + f((a[kk * m + i] as number) * (b[kk * n + j] as number)));
        expected[i * n + j] = f(sum + (bias[j] as number));
      }
    const result = await onBackend('wasm', () =>
      tf.fused.matMul({ a: tf.tensor2d(a, [k, m]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), transposeA: true }),
    );
    assert.deepEqual(result.values, expected);
  });

  test('ReLU after the product keeps NaN and maps negatives to 0, as tfjs’s Relu does', async () => {
    const result = await onBackend('wasm', () =>
      tf.fused.matMul({
        a: tf.tensor2d([
          [1, Number.NaN],
          [1, 1],
          [-1, 0],
          [2, 0],
        ]),
        b: tf.tensor2d([[1], [1]]),
        activation: 'relu',
      }),
    );
    assert.deepEqual(
      [...result.values].map((v) => (Number.isNaN(v) ? 'NaN' : v)),
      ['NaN', 2, 0, 2],
    );
  });

  test('it is the kernel wasm uses, and a transposed product frees its transposed copy', async () => {
    await tf.setBackend('wasm');
    assert.ok(wasmKernelsInUse().includes('BatchMatMul'));
    assert.ok(wasmKernelsInUse().includes('_FusedMatMul'));
    const a = tf.tensor(seededValues([6, 4], 1), [6, 4]);
    const b = tf.tensor(seededValues([5, 4], 2), [5, 4]);
    tf.dispose(tf.matMul(a, b, false, true));
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(tf.matMul(a, b, false, true));
    assert.equal(tf.engine().backend.numDataIds(), dataBefore);
    tf.dispose([a, b]);
  });
});

describe('PadV2 on wasm equals cpu bit for bit: spatial pads of NHWC by the SIMD kernel, any other by wasm’s own', () => {
  const cases: Array<{ shape: number[]; paddings: Array<[number, number]>; constantValue: number }> = [
    {
      shape: [2, 5, 7, 3],
      paddings: [
        [0, 0],
        [1, 2],
        [3, 0],
        [0, 0],
      ],
      constantValue: 0,
    },
    {
      shape: [1, 4, 4, 5],
      paddings: [
        [0, 0],
        [0, 0],
        [2, 2],
        [0, 0],
      ],
      constantValue: -1.5,
    },
    {
      shape: [3, 2, 3, 1],
      paddings: [
        [0, 0],
        [4, 1],
        [1, 4],
        [0, 0],
      ],
      constantValue: 0,
    },
    // Channels padded too: wasm's own kernel.
    {
      shape: [2, 3, 3, 2],
      paddings: [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 2],
      ],
      constantValue: 0,
    },
    {
      shape: [0, 3, 3, 2],
      paddings: [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  ];
  for (const c of cases) {
    test(`${c.shape.join('×')} padded ${JSON.stringify(c.paddings)} with ${c.constantValue}`, async () => {
      const inputs = { x: { shape: c.shape, values: seededValues(c.shape, 101) } };
      const attrs = { paddings: c.paddings, constantValue: c.constantValue } as unknown as tf.NamedAttrMap;
      const cpu = await kernelOn('cpu', 'PadV2', inputs, attrs);
      const wasm = await kernelOn('wasm', 'PadV2', inputs, attrs);
      assert.deepEqual(wasm, cpu);
    });
  }
  test('it is the kernel wasm uses', async () => {
    await tf.setBackend('wasm');
    assert.ok(wasmKernelsInUse().includes('PadV2'));
  });
});

test('the composed kernels free every intermediate tensor', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor(seededValues([2, 8, 8, 3], 1), [2, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.tensor(seededValues([3, 3, 3, 2], 2), [3, 3, 3, 2]) as tf.Tensor4D;
  const table = tf.tensor(seededValues([5, 3], 3), [5, 3]) as tf.Tensor2D;
  const step = () =>
    tf.tidy(() => {
      const loss = (a: tf.Tensor, b: tf.Tensor, t: tf.Tensor) =>
        tf.addN([
          tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')),
          tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
          tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')),
          tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')),
          tf.sum(tf.gather(t, tf.tensor1d([0, 2, 2], 'int32'))),
        ]);
      return tf.grads(loss)([x, tf.slice(w, [0, 0, 0, 0], [3, 3, 3, 2]), table]);
    });
  tf.dispose(step());
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) tf.dispose(step());
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), dataBefore);
  tf.dispose([x, w, table]);
});
