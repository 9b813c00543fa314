import * as tf from '@tensorflow/tfjs';
import type { TrainingSpec } from '../../shared/experiment/schema';
import { FusedAdamOptimizer } from './fusedAdam';

export function createOptimizer(spec: TrainingSpec['optimizer']): tf.Optimizer {
  switch (spec.type) {
    case 'adam':
      // tf.train.adam's defaults (β1 0.9, β2 0.999, the backend's ε), one kernel per variable on wasm.
      return new FusedAdamOptimizer(spec.learning_rate, 0.9, 0.999);
    case 'sgd':
      return tf.train.sgd(spec.learning_rate);
    case 'momentum':
      return tf.train.momentum(spec.learning_rate, spec.momentum);
    case 'rmsprop':
      return tf.train.rmsprop(spec.learning_rate, 0.9, spec.momentum);
    case 'adagrad':
      return tf.train.adagrad(spec.learning_rate);
  }
}

/**
 * Applies gradients to every trainable variable, in one fixed order. tfjs optimizers keep their
 * slots (Adam's moments, momentum, …) by the *position* of a variable in the gradient map, not by
 * its name, so a step in which some dataset is absent — and its head gets no gradient — would shift
 * the positions and give later variables another variable's slots. A missing gradient is zero.
 */
export function applyAllGradients(optimizer: tf.Optimizer, variables: readonly tf.Variable[], grads: tf.NamedTensorMap): void {
  const complete: tf.NamedTensorMap = {};
  const zeros: tf.Tensor[] = [];
  for (const variable of variables) {
    const grad = grads[variable.name];
    if (grad !== undefined) complete[variable.name] = grad;
    else zeros.push((complete[variable.name] = tf.zerosLike(variable)));
  }
  optimizer.applyGradients(complete);
  tf.dispose(zeros);
}
