/**
 * The tfjs kernels a training run dispatches on a backend without jointrain's own kernels (as on
 * webgpu): every layer type, activation, optimizer, balancer, loss, augmentation, the diagnostics
 * and evaluation. `test/integration/training-kernels.test.ts` records them from real runs and
 * fails, naming the kernel, when the trainer starts to use one that is not listed here.
 */
export const TRAINING_KERNELS: readonly string[] = [
  'Abs',
  'Add',
  'AddN',
  'ArgMax',
  'AvgPool',
  'AvgPoolGrad',
  'BatchMatMul',
  'Cast',
  'ClipByValue',
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Elu',
  'EluGrad',
  'Equal',
  'Erf',
  'Exp',
  'Fill',
  'Floor',
  'FusedBatchNorm',
  'FusedConv2D',
  'Greater',
  'Identity',
  'Log',
  'Max',
  'MaxPool',
  'MaxPoolGrad',
  'Maximum',
  'Mean',
  'Minimum',
  'Multiply',
  'Neg',
  'OneHot',
  'Pack',
  'RealDiv',
  'Relu',
  'Reshape',
  'Rsqrt',
  'Select',
  'Selu',
  'Sigmoid',
  'Slice',
  'Softplus',
  'Sqrt',
  'Square',
  'Step',
  'Sub',
  'Sum',
  'Tanh',
  'Tile',
  'Transform',
  'ZerosLike',
  '_FusedMatMul',
];

/** The kernels of `TRAINING_KERNELS` that a backend lacks, by name. */
export function missingTrainingKernels(has: (kernelName: string) => boolean): string[] {
  return TRAINING_KERNELS.filter((name) => !has(name));
}
