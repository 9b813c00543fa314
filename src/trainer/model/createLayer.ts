/** Turns one declared layer into a tfjs layer with a seeded initializer and a unique name. */
import * as tf from '@tensorflow/tfjs';
import type { INITIALIZERS, LayerSpec } from '../../shared/experiment/schema';
import type { DropoutSeeds } from './dropoutSeeds';

type ActivationId = Parameters<typeof tf.layers.activation>[0]['activation'];

const ACTIVATION_IDS: Record<string, ActivationId> = { gelu: 'gelu', swish: 'swish' };

function activationId(name: string): ActivationId {
  return ACTIVATION_IDS[name] ?? (name as ActivationId);
}

type Initializer = (typeof INITIALIZERS)[number];

/** A declared initializer as tfjs builds it, seeded so that a run starts the same every time. */
export function initializer(name: Initializer, seed: number): ReturnType<typeof tf.initializers.ones> {
  switch (name) {
    case 'glorot_uniform':
      return tf.initializers.glorotUniform({ seed });
    case 'glorot_normal':
      return tf.initializers.glorotNormal({ seed });
    case 'he_uniform':
      return tf.initializers.heUniform({ seed });
    case 'he_normal':
      return tf.initializers.heNormal({ seed });
    case 'lecun_uniform':
      return tf.initializers.leCunUniform({ seed });
    case 'lecun_normal':
      return tf.initializers.leCunNormal({ seed });
    case 'zeros':
      return tf.initializers.zeros();
    case 'ones':
      return tf.initializers.ones();
  }
}

function seededInit(spec: { kernel_initializer: Initializer; bias_initializer: Initializer }, seed: number) {
  // The bias gets its own stream: with one seed, a random bias would repeat the kernel's first values.
  return { kernelInitializer: initializer(spec.kernel_initializer, seed), biasInitializer: initializer(spec.bias_initializer, seed + 7919) };
}

/** tfjs's Dropout layer class, which tfjs-layers does not export by name. */
const TfDropout = (Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })) as { constructor: new (args: { name: string; rate: number }) => DropoutLayer })
  .constructor;

interface DropoutLayer extends tf.layers.Layer {
  seed?: number;
}

/**
 * Dropout whose mask at each training call is drawn from the run's seeded stream (`DropoutSeeds`):
 * tfjs's own either draws unseeded masks or, given a seed, the same mask at every call. Saved as
 * tfjs's Dropout (same class name, its config without a seed), so a saved model loads anywhere.
 */
class SeededDropout extends TfDropout {
  static className = 'Dropout';

  constructor(
    args: { name: string; rate: number },
    private readonly seeds: DropoutSeeds,
  ) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    this.seed = kwargs.training === true ? this.seeds.next() : undefined;
    return super.call(inputs, kwargs);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    delete config.seed;
    return config;
  }
}

/** `dropoutSeeds`: where a dropout layer's masks come from (absent: tfjs's unseeded masks). */
export function createLayer(spec: LayerSpec, name: string, seed: number, dropoutSeeds?: DropoutSeeds): tf.layers.Layer {
  switch (spec.type) {
    case 'dense':
      return tf.layers.dense({ name, units: spec.units, activation: activationId(spec.activation), useBias: spec.use_bias, ...seededInit(spec, seed) });
    case 'conv2d':
      return tf.layers.conv2d({
        name,
        filters: spec.filters,
        kernelSize: spec.kernel_size,
        strides: spec.strides,
        padding: spec.padding,
        activation: activationId(spec.activation),
        useBias: spec.use_bias,
        ...seededInit(spec, seed),
      });
    case 'max_pooling2d':
      return tf.layers.maxPooling2d({ name, poolSize: spec.pool_size, strides: spec.strides, padding: spec.padding });
    case 'average_pooling2d':
      return tf.layers.averagePooling2d({ name, poolSize: spec.pool_size, strides: spec.strides, padding: spec.padding });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'global_average_pooling2d':
      return tf.layers.globalAveragePooling2d({ name });
    case 'global_max_pooling2d':
      return tf.layers.globalMaxPooling2d({ name });
    case 'batch_normalization':
      return tf.layers.batchNormalization({ name });
    case 'layer_normalization':
      return tf.layers.layerNormalization({ name });
    case 'dropout':
      // Never tfjs's own seed: it reuses a layer's seed on every call, which would freeze the mask.
      return dropoutSeeds !== undefined ? new SeededDropout({ name, rate: spec.rate }, dropoutSeeds) : tf.layers.dropout({ name, rate: spec.rate });
    case 'activation':
      return tf.layers.activation({ name, activation: activationId(spec.activation) });
  }
}
