/**
 * The experiment file format, version 1. This is the single source of truth: the TypeScript types
 * (`Experiment`, `DatasetSpec`, ...) are inferred from it and `media/jointrain.schema.json` is
 * generated from it (`npm run schema`). Every field carries a description because editor hints
 * are built from them.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/**
 * Bounds that no model trained here comes near but that keep an absurd value (a typo'd exponent)
 * from reaching tfjs, where it fails with a RangeError or kills V8 instead of naming the field.
 * What fits between them is checked against the machine's memory when data and model are known.
 */
const MAX_UNITS = 65_536;
const MAX_IMAGE_SIDE = 4096;
const MAX_BATCH_SIZE = 65_536;
const layerWidth = positiveInt.max(MAX_UNITS, `at most ${MAX_UNITS}: a wider layer does not fit in memory`);
const imageSide = positiveInt.max(MAX_IMAGE_SIDE, `at most ${MAX_IMAGE_SIDE} pixels a side: resize to what the model needs (a few hundred at most, usually)`);
const finiteNonNegative = z.number().finite().nonnegative();
/**
 * A path to a file or folder. Node refuses a path holding a NUL character with an exception rather
 * than "not found", so such a path is refused here, at its field.
 */
const filePath = z
  .string()
  .min(1)
  .refine((path) => !path.includes('\0'), 'a path cannot contain a NUL character (\\0): remove it');

export const LAYER_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'softsign', 'swish', 'gelu'] as const;
const activation = z.enum(LAYER_ACTIVATIONS).describe('Activation function applied to the layer output.');
const padding = z.enum(['valid', 'same']).describe("Padding mode: 'valid' (no padding) or 'same' (output keeps the spatial size at stride 1).");
const pair = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
export const INITIALIZERS = ['glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal', 'zeros', 'ones'] as const;
const kernelInitializer = z
  .enum(INITIALIZERS)
  .default('glorot_uniform')
  .describe(
    "How the kernel's weights start (seeded by training.seed): 'glorot_*' (Keras' default) keeps the variance of activations and gradients alike across layers; 'he_*' suits relu layers; 'lecun_*' suits selu; '_uniform' or '_normal' is the distribution.",
  );
const biasInitializer = z.enum(INITIALIZERS).default('zeros').describe("How the bias starts: 'zeros' (Keras' default) or any kernel initializer.");

const DenseLayer = z.strictObject({
  type: z.literal('dense').describe('Fully connected layer.'),
  units: layerWidth.describe('Number of output units.'),
  activation: activation.default('linear'),
  use_bias: z.boolean().default(true).describe('Whether the layer adds a learned bias.'),
  kernel_initializer: kernelInitializer,
  bias_initializer: biasInitializer,
});
const Conv2dLayer = z.strictObject({
  type: z.literal('conv2d').describe('2-D convolution over height × width × channels.'),
  filters: layerWidth.describe('Number of output channels.'),
  kernel_size: pair.describe('Kernel size: one number for a square kernel or [height, width].'),
  strides: pair.default(1).describe('Stride: one number or [height, width].'),
  padding: padding.default('valid'),
  activation: activation.default('linear'),
  use_bias: z.boolean().default(true).describe('Whether the layer adds a learned bias per filter.'),
  kernel_initializer: kernelInitializer,
  bias_initializer: biasInitializer,
});
const Pool2dLayer = z.strictObject({
  type: z.enum(['max_pooling2d', 'average_pooling2d']).describe('2-D max or average pooling.'),
  pool_size: pair.default(2).describe('Pooling window: one number or [height, width].'),
  strides: pair.optional().describe('Stride; defaults to the pool size.'),
  padding: padding.default('valid'),
});
const ParameterlessLayer = z.strictObject({
  type: z
    .enum(['flatten', 'global_average_pooling2d', 'global_max_pooling2d', 'batch_normalization', 'layer_normalization'])
    .describe('A layer without required arguments: flatten, global pooling or normalization.'),
});
const DropoutLayer = z.strictObject({
  type: z
    .literal('dropout')
    .describe(
      'Randomly zeroes a fraction of inputs during training; the masks come from training.seed, so a resumed run draws those of the uninterrupted one.',
    ),
  rate: z.number().min(0).lt(1).describe('Fraction of inputs to drop, in [0, 1).'),
});
const ActivationLayer = z.strictObject({
  type: z.literal('activation').describe('Applies an activation function on its own.'),
  activation,
});

export const LayerSchema = z
  .discriminatedUnion('type', [DenseLayer, Conv2dLayer, Pool2dLayer, ParameterlessLayer, DropoutLayer, ActivationLayer])
  .describe('One layer, chosen by `type`.');
export const LAYER_TYPES = [
  'dense',
  'conv2d',
  'max_pooling2d',
  'average_pooling2d',
  'flatten',
  'global_average_pooling2d',
  'global_max_pooling2d',
  'batch_normalization',
  'layer_normalization',
  'dropout',
  'activation',
] as const;

const layers = z.array(LayerSchema).default([]);

const StemSchema = z.strictObject({
  layers: layers.describe('Layers applied to this input before the shared trunk.'),
});

const HeadSchema = z.discriminatedUnion('task', [
  z.strictObject({
    task: z.literal('classification').describe('Softmax over the classes of every dataset on this head, trained with cross-entropy.'),
    layers: layers.describe('Hidden layers of the head; the final dense softmax layer (one unit per class) is added for you.'),
  }),
  z.strictObject({
    task: z.literal('regression').describe('Predicts the numeric label column(s), trained with a regression loss.'),
    loss: z.enum(['mse', 'mae']).default('mse').describe("Regression loss: 'mse' (mean squared error) or 'mae' (mean absolute error)."),
    layers: layers.describe('Hidden layers of the head; the final linear dense layer (one unit per target) is added for you.'),
  }),
]);

const DeclaredModel = z.strictObject({
  stems: z
    .record(z.string().min(1), StemSchema)
    .describe('Per-input stems by name (e.g. `image`, `table`). Each dataset feeds one stem; stems must end in the same shape so the trunk can be shared.'),
  trunk: layers.describe('Layers shared by every dataset, between the stems and the heads.'),
  heads: z
    .record(z.string().min(1), HeadSchema)
    .describe('Named output heads. Datasets on the same classification head share its label space (classes unified by name).'),
});

const LoadedModel = z.strictObject({
  from: filePath.describe('Path (relative to the experiment file) of an existing TensorFlow.js layers `model.json`.'),
  inputs: z.record(z.string().min(1), z.number().int().nonnegative()).describe('Stem name → index of the model input that this stem feeds.'),
  outputs: z.record(z.string().min(1), z.number().int().nonnegative()).describe('Head name → index of the model output that this head reads.'),
  tasks: z
    .record(z.string().min(1), z.enum(['classification', 'regression']))
    .default({})
    .describe('Head name → task; heads not listed are classification.'),
});

export const ModelSchema = z
  .union([DeclaredModel, LoadedModel])
  .describe('Either layers declared here (`stems`, `trunk`, `heads`) or an existing tfjs model (`from`, `inputs`, `outputs`).');

const ValidationSchema = z
  .union([
    z.strictObject({
      split: z.number().gt(0).lt(1).describe('Fraction of each class held out for validation (stratified, seeded).'),
    }),
    z.strictObject({
      path: filePath.describe('A separate validation folder (images) or file (csv), relative to the experiment file.'),
    }),
  ])
  .describe('How validation data is obtained: `split` a fraction off the training source, or a separate `path`.');

// Not 'reflect': tfjs-backend-wasm 4.22's Transform kernel maps it wrongly ([0 1 2 3] shifted right by
// two gives [3 3 0 1], where cpu and Keras give [1 0 0 1]), and a fill that differs by backend would
// make a run's results depend on the machine.
export const AUGMENT_FILL_MODES = ['nearest', 'constant', 'wrap'] as const;

export const AugmentSchema = z
  .strictObject({
    rotation: finiteNonNegative.max(180).default(0).describe('Random rotation range in degrees (± this value).'),
    width_shift: finiteNonNegative.max(1).default(0).describe('Random horizontal shift as a fraction of the width (± this value).'),
    height_shift: finiteNonNegative.max(1).default(0).describe('Random vertical shift as a fraction of the height (± this value).'),
    shear: finiteNonNegative.max(80).default(0).describe('Random shear angle in degrees (± this value).'),
    zoom: finiteNonNegative.lt(1).default(0).describe('Random zoom range: scale drawn from [1 - zoom, 1 + zoom].'),
    horizontal_flip: z.boolean().default(false).describe('Flip half of the images left-right.'),
    vertical_flip: z.boolean().default(false).describe('Flip half of the images upside down.'),
    brightness: finiteNonNegative.max(1).default(0).describe('Random brightness offset (± this value, in scaled pixel units).'),
    contrast: finiteNonNegative.lt(1).default(0).describe('Random contrast factor drawn from [1 - contrast, 1 + contrast] around each image mean.'),
    noise: finiteNonNegative.default(0).describe('Standard deviation of additive gaussian noise (scaled pixel units).'),
    fill_mode: z
      .enum(AUGMENT_FILL_MODES)
      .default('nearest')
      .describe(
        "What a rotation, shift, shear or zoom puts where it uncovers the image's edge: 'nearest' repeats the edge pixel (Keras' default: no black corners whatever the pixel scale); 'constant' fills with fill_value; 'wrap' tiles it.",
      ),
    fill_value: z.number().finite().default(0).describe("The value of uncovered pixels with fill_mode 'constant', in scaled pixel units."),
  })
  .describe('Per-dataset augmentation of training batches, done as batched tensor operations on the backend. Validation data is never augmented.');

/**
 * What `augment: auto` switches on once a dataset is found memorised: mild geometric changes that
 * keep a label true for most image classes (no flips: a flipped digit or letter is another one).
 */
export const AUTO_AUGMENT = Object.freeze({ rotation: 10, width_shift: 0.1, height_shift: 0.1, zoom: 0.1 });

const AugmentOrAutoSchema = z
  .union([
    z
      .literal('auto')
      .describe(
        `Off until the run finds this dataset memorised (training accuracy well above validation accuracy after an epoch); then, from the next epoch, rotation ${AUTO_AUGMENT.rotation}°, shifts ${AUTO_AUGMENT.width_shift}, zoom ${AUTO_AUGMENT.zoom}. The switch is recorded as an event.`,
      ),
    AugmentSchema,
  ])
  .describe(
    "Per-dataset augmentation of training batches: the changes to draw, or 'auto' (switched on when the dataset is found memorised). Validation data is never augmented.",
  );

const ImagePreprocessSchema = z
  .strictObject({
    size: z.tuple([imageSide, imageSide]).describe(`Target [height, width], each at most ${MAX_IMAGE_SIDE}; images are resized (cover + centre crop) to it.`),
    channels: z
      .union([z.literal(1), z.literal(3)])
      .default(3)
      .describe('1 for greyscale, 3 for RGB.'),
    scale: z.enum(['unit', 'symmetric', 'none']).default('unit').describe("Pixel scaling: 'unit' maps to [0, 1], 'symmetric' to [-1, 1], 'none' keeps 0–255."),
  })
  .describe('How images are decoded into tensors.');

const CsvOptionsSchema = z
  .strictObject({
    label: z.string().min(1).describe('Name of the label column (class name for classification, number for regression).'),
    features: z.array(z.string().min(1)).min(1).optional().describe('Feature columns; defaults to every column except the label.'),
    standardize: z.boolean().default(true).describe('Standardize each feature with the training split’s mean and standard deviation.'),
    delimiter: z.string().length(1).default(',').describe('Field delimiter.'),
  })
  .describe('Which columns of the CSV file are features and which is the label.');

export const SCHEDULE_TYPES = ['step', 'linear', 'cosine'] as const;

/** A value that changes over epochs; constant before `start_epoch` and after `end_epoch`. */
export const ScheduleSchema = z
  .strictObject({
    type: z
      .enum(SCHEDULE_TYPES)
      .describe(
        "'step': `from` until `end_epoch`, then `to`; 'linear': straight from `from` to `to`; 'cosine': a half cosine from `from` to `to` (slow at both ends).",
      ),
    from: finiteNonNegative.describe('Value at `start_epoch` and before.'),
    to: finiteNonNegative.describe('Value at `end_epoch` and after.'),
    start_epoch: positiveInt.default(1).describe('First epoch of the change (1-based).'),
    end_epoch: positiveInt.describe('Epoch at which the value reaches `to`.'),
  })
  .refine((schedule) => schedule.end_epoch >= schedule.start_epoch, { message: 'end_epoch must be at least start_epoch', path: ['end_epoch'] })
  .describe('A schedule over epochs, applied at each epoch boundary.');

const datasetCommon = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, dot, dash or underscore')
    .describe('Unique dataset name, used in metrics, weights and the panel.'),
  path: filePath.describe('Training source, relative to the experiment file.'),
  validation: ValidationSchema.default({ split: 0.2 }),
  test: z
    .strictObject({ path: filePath.describe('A test folder (images) or file (csv), relative to the experiment file.') })
    .optional()
    .describe(
      'Held-out test data: evaluated once, with the run’s model, when training ends (run.json → test, and the CLI), and by `jointrain evaluate RUN --split test`; never used for checkpoints, early stopping or schedules.',
    ),
  stem: z.string().min(1).optional().describe('The model stem (input) this dataset feeds; may be omitted when the model has one stem.'),
  head: z.string().min(1).optional().describe('The head this dataset trains; may be omitted when the model has one head.'),
  loss_weight: finiteNonNegative.default(1).describe('Multiplies this dataset’s contribution to the total loss (and so its gradient).'),
  sampling_weight: finiteNonNegative
    .default(1)
    .describe('Multiplies this dataset’s share of each batch given by the mixing strategy (with `weights`, the share is proportional to it).'),
  loss_weight_schedule: ScheduleSchema.optional().describe(
    'Sets loss_weight at every epoch boundary from a schedule (it then replaces loss_weight). A weight changed by hand during the run ends the schedule for that weight.',
  ),
  sampling_weight_schedule: ScheduleSchema.optional().describe(
    'Sets sampling_weight at every epoch boundary from a schedule (it then replaces sampling_weight). A weight changed by hand during the run ends the schedule for that weight.',
  ),
  class_weights: z
    .record(z.string(), finiteNonNegative)
    .optional()
    .describe('Class name → weight of its samples in this dataset’s loss; unlisted classes weigh 1.'),
};

const ImageDatasetSchema = z.strictObject({
  type: z.literal('images').describe('A folder with one subfolder per class (png, jpeg or webp files), like Keras flow_from_directory.'),
  ...datasetCommon,
  image: ImagePreprocessSchema,
  augment: AugmentOrAutoSchema.optional(),
});

const CsvDatasetSchema = z.strictObject({
  type: z.literal('csv').describe('A CSV table with a header row: feature columns and a label column.'),
  ...datasetCommon,
  csv: CsvOptionsSchema,
});

export const DatasetSchema = z.discriminatedUnion('type', [ImageDatasetSchema, CsvDatasetSchema]);

export const MIXING_STRATEGIES = ['proportional', 'uniform', 'temperature', 'weights'] as const;
export const EPOCH_ENDS = ['first_exhausted', 'all_exhausted'] as const;

export const MixingSchema = z
  .strictObject({
    strategy: z
      .enum(MIXING_STRATEGIES)
      .default('temperature')
      .describe(
        "How each batch is shared across datasets: 'proportional' (by size, like concatenation), 'uniform' (equal), 'temperature' (size^(1/T)), 'weights' (by sampling_weight). Every share is multiplied by the dataset's sampling_weight.",
      ),
    temperature: z.number().finite().gte(1).default(2).describe('T for the temperature strategy: 1 is proportional, large T approaches uniform.'),
    temperature_schedule: ScheduleSchema.optional().describe(
      'Sets the temperature at every epoch boundary (e.g. start near uniform, cool down towards proportional); values below 1 count as 1.',
    ),
    epoch_end: z
      .union([z.enum(EPOCH_ENDS), z.strictObject({ steps: positiveInt.describe('Number of steps in an epoch.') })])
      .default('all_exhausted')
      .describe(
        "What ends an epoch: 'first_exhausted' (a dataset has been seen once), 'all_exhausted' (every dataset has been seen once; smaller ones are cycled and reshuffled) or { steps: N }.",
      ),
  })
  .describe('How batches are drawn across datasets.');

/** Threads a run may ask for: more than the cores only oversubscribes them. */
export const MAX_THREADS = 64;

export const BACKENDS = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'momentum', 'rmsprop', 'adagrad'] as const;
/** Validation metrics over all datasets, each counting once; `…_worst` follows the weakest dataset. */
export const CHECKPOINT_MONITORS = ['val_loss_mean', 'val_loss_worst', 'val_accuracy_mean', 'val_accuracy_worst'] as const;
/** One dataset's validation metric: `val_loss:NAME` or `val_accuracy:NAME`. */
const datasetMonitor = <M extends 'loss' | 'accuracy'>(metric: M) =>
  z.templateLiteral([`val_${metric}:`, z.string().min(1)], { error: `val_${metric}:<dataset name>` });
export const MonitorSchema = z.union([z.enum(CHECKPOINT_MONITORS), datasetMonitor('loss'), datasetMonitor('accuracy')]);
export type Monitor = z.infer<typeof MonitorSchema>;
export const BALANCERS = ['static', 'uncertainty', 'dwa', 'gradnorm', 'pcgrad', 'sampling'] as const;
export const BALANCER_MODES = ['auto', 'suggest'] as const;

export const BalancerSchema = z
  .strictObject({
    type: z
      .enum(BALANCERS)
      .default('static')
      .describe(
        "'static': the loss weights as written. 'uncertainty': learned per-dataset log-variances (Kendall et al. 2018). 'dwa': dynamic weight average from the datasets' loss ratios between epochs (Liu et al. 2019). 'gradnorm': weights learned so that gradient norms on the shared layers track each dataset's training rate (Chen et al. 2018). 'pcgrad': conflicting gradients projected onto each other's normal plane (Yu et al. 2020). 'sampling': between epochs, moves each dataset's sampling weight by its validation loss against the others' and its train/validation gap (more share to a dataset that lags and still improves, less to one that is memorised), within bounds, and switches on `augment: auto` where a dataset is memorised.",
      ),
    mode: z
      .enum(BALANCER_MODES)
      .default('auto')
      .describe(
        "'auto': the balancer changes the weights itself; 'suggest': at each epoch end it proposes weights (dwa, gradnorm: loss weights; sampling: sampling weights and augmentation) with its reason, applied only when you accept them.",
      ),
    temperature: z.number().finite().positive().default(2).describe('T of dwa: larger T gives more even weights.'),
    alpha: finiteNonNegative.default(1.5).describe('α of gradnorm: how strongly datasets that train slower are pushed; 0 equalizes gradient norms.'),
    learning_rate: z.number().finite().positive().default(0.025).describe('Step size of the gradnorm weight update.'),
    max_step: z
      .number()
      .finite()
      .gt(1)
      .max(4)
      .default(1.25)
      .describe('sampling: the most one epoch end may multiply or divide a dataset’s sampling weight by.'),
    range: z
      .tuple([z.number().finite().positive().max(1), z.number().finite().gte(1).max(100)])
      .default([0.5, 4])
      .describe('sampling: the lowest and highest multiple of its written sampling weight a dataset may reach.'),
    max_repeat_ratio: z
      .number()
      .finite()
      .gte(1)
      .default(25)
      .describe(
        'sampling: a cap on repeats — no dataset’s samples are drawn more than this many times as often as the least-drawn dataset’s (UniMax-style; a share moved towards a tiny dataset stops here).',
      ),
  })
  .describe('How per-dataset loss weights are balanced during training.');

export const DiagnosticsSchema = z
  .strictObject({
    every: z
      .number()
      .int()
      .nonnegative()
      .default(50)
      .describe(
        'Compute per-dataset gradients every N steps, beside the step (training is unchanged by them): norms on the shared layers, their shares and pairwise cosine similarity (conflict). Each such step costs about one more step; 0 turns them off (gradnorm and pcgrad compute per-dataset gradients anyway).',
      ),
  })
  .describe('Gradient diagnostics.');

/** A factor strictly between 0 and 1: a learning rate multiplied by it falls. */
const fallFactor = z.number().finite().gt(0).lt(1);

export const LrScheduleSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('constant').describe('The learning rate as written, every epoch.') }),
    z.strictObject({
      type: z.literal('step').describe('Multiply the learning rate by `factor` every `every_epochs` epochs.'),
      every_epochs: positiveInt.describe('Epochs between two reductions (epoch every_epochs + 1 trains with the first).'),
      factor: fallFactor.default(0.5).describe('What each reduction multiplies the learning rate by.'),
    }),
    z.strictObject({
      type: z.literal('exponential').describe('Multiply the learning rate by `factor` at every epoch after the first.'),
      factor: fallFactor.default(0.95).describe('What each epoch multiplies the learning rate by.'),
    }),
    z.strictObject({
      type: z
        .literal('cosine')
        .describe('Rise linearly over `warmup_epochs`, then fall along half a cosine from the learning rate to `min_learning_rate` at the last epoch.'),
      warmup_epochs: z
        .number()
        .int()
        .nonnegative()
        .default(0)
        .describe('Epochs of linear warm-up: epoch e ≤ warmup_epochs trains with learning_rate · e / warmup_epochs.'),
      min_learning_rate: finiteNonNegative.default(0).describe('The learning rate of the last epoch.'),
    }),
    z.strictObject({
      type: z
        .literal('reduce_on_plateau')
        .describe(
          'Multiply the learning rate by `factor` when the monitored validation metric has not improved for `patience` epochs (as Keras ReduceLROnPlateau).',
        ),
      monitor: MonitorSchema.default('val_loss_mean').describe(
        "The validation metric watched, as for checkpoints: 'val_accuracy_worst' follows the weakest dataset, 'val_loss:NAME' one dataset.",
      ),
      factor: fallFactor.default(0.1).describe('What each reduction multiplies the learning rate by.'),
      patience: positiveInt.default(3).describe('Epochs in a row without an improvement before a reduction.'),
      min_delta: finiteNonNegative.default(0).describe('How much the metric must improve to count as an improvement.'),
      cooldown: z.number().int().nonnegative().default(0).describe('Epochs after a reduction during which no epoch counts against patience.'),
      min_learning_rate: finiteNonNegative.default(0).describe('The learning rate never falls below this.'),
    }),
  ])
  .describe(
    'How the learning rate changes from epoch to epoch; it changes only at epoch boundaries, is recorded with every epoch, and a request (`set-learning-rate`) sets it by hand. Absent: constant.',
  );

export const TrainingSchema = z
  .strictObject({
    epochs: positiveInt.default(10).describe('Number of epochs.'),
    batch_size: positiveInt
      .max(MAX_BATCH_SIZE, `at most ${MAX_BATCH_SIZE}: lower it (64 to 1024 is usual)`)
      .default(64)
      .describe(`Samples per step, summed over all datasets (at most ${MAX_BATCH_SIZE}).`),
    optimizer: z
      .strictObject({
        type: z.enum(OPTIMIZERS).default('adam').describe('Optimizer.'),
        learning_rate: z.number().finite().positive().default(0.001).describe('Learning rate.'),
        momentum: z.number().min(0).lt(1).default(0.9).describe('Momentum (momentum and rmsprop only).'),
        weight_decay: finiteNonNegative
          .default(0.01)
          .describe(
            'adamw only: decoupled weight decay (as PyTorch AdamW): before each step every model weight w becomes w · (1 − learning rate · weight_decay).',
          ),
        clip_norm: z
          .number()
          .finite()
          .positive()
          .optional()
          .describe(
            "Clip the gradients by their global norm: when the norm over all weights exceeds this, they are scaled down to it (Keras' global_clipnorm).",
          ),
        clip_value: z.number().finite().positive().optional().describe('Clip every gradient element to [−clip_value, clip_value] (applied before clip_norm).'),
      })
      .prefault({})
      .describe('The optimizer and its learning rate.'),
    max_steps: positiveInt
      .optional()
      .describe(
        'A budget in optimizer steps over the whole run (resumes included): training ends (`completed`, saying so) after this many steps, mid-epoch if need be.',
      ),
    max_minutes: z
      .number()
      .finite()
      .positive()
      .optional()
      .describe(
        'A budget in minutes of training (data loading excluded, resumes included): training ends (`completed`, saying so) after the step that passes it.',
      ),
    lr_schedule: LrScheduleSchema.optional(),
    l2: finiteNonNegative.default(0).describe('L2 regularization factor on every kernel.'),
    seed: z.number().int().nonnegative().default(42).describe('Seed for initialization, splits, shuffling, mixing, augmentation and dropout masks.'),
    backend: z
      .enum(BACKENDS)
      .default('auto')
      .describe(
        "TensorFlow.js backend: 'auto' picks tensorflow-gpu (CUDA), then webgpu on a hardware GPU adapter (through Dawn: Vulkan, Metal or D3D12), then tensorflow (tfjs-node), then wasm, then cpu. 'webgpu' by name also takes a software adapter (Mesa's llvmpipe), which auto skips.",
      ),
    threads: z
      .union([z.literal('auto'), positiveInt.max(MAX_THREADS, `at most ${MAX_THREADS}`)])
      .default('auto')
      .describe(
        "Cores a CPU backend (wasm, cpu) trains on: each step's batch is split across threads that compute their part's gradient at the same weights, summed in a fixed order. 'auto': every core, as long as each thread gets at least 16 samples and about 10 million multiply-adds of a step (a small model trains faster on one thread; run.json and the terminal say why). Results differ from 1 thread only by float rounding; the same number of threads gives the same run. Native backends (tensorflow, tensorflow-gpu) use their own threads.",
      ),
    checkpoint: z
      .strictObject({
        every_epochs: positiveInt.default(1).describe('Write a checkpoint every N epochs.'),
        keep_last: positiveInt.default(2).describe('How many recent checkpoints to keep.'),
        keep_best: z.boolean().default(true).describe('Also keep the best checkpoint by `monitor`.'),
        monitor: MonitorSchema.default('val_loss_mean').describe(
          "Validation metric that defines the best checkpoint: 'val_loss_mean', 'val_loss_worst', 'val_accuracy_mean' or 'val_accuracy_worst' over the datasets, each counting once (worst: the weakest dataset's value), or one dataset's 'val_loss:NAME' / 'val_accuracy:NAME'. Losses are better lower, accuracies higher.",
        ),
      })
      .prefault({})
      .describe('When checkpoints are written and which are kept.'),
    early_stopping: z
      .strictObject({
        monitor: MonitorSchema.default('val_loss_mean').describe(
          "The validation metric watched, as for checkpoints: 'val_accuracy_worst' follows the weakest dataset, 'val_loss:NAME' one dataset.",
        ),
        patience: positiveInt.default(5).describe('Stop after this many epochs in a row without an improvement.'),
        min_delta: finiteNonNegative.default(0).describe('How much the metric must improve to count as an improvement.'),
      })
      .optional()
      .describe(
        'Stop training once the monitored validation metric has not improved for `patience` epochs (as Keras EarlyStopping). The run ends `completed`, saying why (its `completed` event, the panel and the CLI); the best checkpoint is kept. Absent: train every epoch.',
      ),
    balancer: BalancerSchema.prefault({}),
    diagnostics: DiagnosticsSchema.prefault({}),
  })
  .describe('Epochs, batch size, optimizer, regularization, seed and backend.');

export const ExperimentSchema = z
  .strictObject({
    version: z.literal(1).describe('Format version of this file; always 1.'),
    name: z.string().min(1).optional().describe('Experiment name; defaults to the file name.'),
    datasets: z.array(DatasetSchema).min(1).describe('The datasets trained jointly (at least one).'),
    // prefault: an omitted section is parsed as {} so its fields' own defaults apply.
    mixing: MixingSchema.prefault({}),
    model: ModelSchema,
    training: TrainingSchema.prefault({}),
  })
  .describe('A jointrain experiment: several datasets trained jointly into one TensorFlow.js model.');

export type Experiment = z.output<typeof ExperimentSchema>;
export type DatasetSpec = z.output<typeof DatasetSchema>;
export type ImageDatasetSpec = z.output<typeof ImageDatasetSchema>;
export type CsvDatasetSpec = z.output<typeof CsvDatasetSchema>;
export type AugmentSpec = z.output<typeof AugmentSchema>;
export type AugmentOrAuto = z.output<typeof AugmentOrAutoSchema>;
export type LayerSpec = z.output<typeof LayerSchema>;
export type ModelSpec = z.output<typeof ModelSchema>;
export type DeclaredModelSpec = z.output<typeof DeclaredModel>;
export type LoadedModelSpec = z.output<typeof LoadedModel>;
export type HeadSpec = z.output<typeof HeadSchema>;
export type MixingSpec = z.output<typeof MixingSchema>;
export type ScheduleSpec = z.output<typeof ScheduleSchema>;
export type BalancerSpec = z.output<typeof BalancerSchema>;
export type BalancerName = (typeof BALANCERS)[number];
export type TrainingSpec = z.output<typeof TrainingSchema>;
export type LrScheduleSpec = z.output<typeof LrScheduleSchema>;
export type MixingStrategy = (typeof MIXING_STRATEGIES)[number];
export type BackendName = (typeof BACKENDS)[number];

export function isLoadedModel(model: ModelSpec): model is LoadedModelSpec {
  return 'from' in model;
}

/** The JSON Schema published as media/jointrain.schema.json. */
export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ExperimentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'jointrain experiment (version 1)' };
}
