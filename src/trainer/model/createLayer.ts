/** Turns one declared layer into a tfjs layer with a seeded initializer and a unique name. */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../../shared/experiment/schema';

type ActivationId = Parameters<typeof tf.layers.activation>[0]['activation'];

const ACTIVATION_IDS: Record<string, ActivationId> = { gelu: 'gelu', swish: 'swish' };

function activationId(name: string): ActivationId {
  return ACTIVATION_IDS[name] ?? (name as ActivationId);
}

function seededInit(seed: number) {
  return { kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.zeros() };
}

export function createLayer(spec: LayerSpec, name: string, seed: number): tf.layers.Layer {
  switch (spec.type) {
    case 'dense':
      return tf.layers.dense({ name, units: spec.units, activation: activationId(spec.activation), useBias: spec.use_bias, ...seededInit(seed) });
    case 'conv2d':
      return tf.layers.conv2d({
        name,
        filters: spec.filters,
        kernelSize: spec.kernel_size,
        strides: spec.strides,
        padding: spec.padding,
        activation: activationId(spec.activation),
        ...seededInit(seed),
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
      // No seed: tfjs reuses a layer's seed on every call, which would freeze the dropout mask.
      return tf.layers.dropout({ name, rate: spec.rate });
    case 'activation':
      return tf.layers.activation({ name, activation: activationId(spec.activation) });
  }
}
