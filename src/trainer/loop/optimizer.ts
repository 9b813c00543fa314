import * as tf from '@tensorflow/tfjs';
import type { TrainingSpec } from '../../shared/experiment/schema';

export function createOptimizer(spec: TrainingSpec['optimizer']): tf.Optimizer {
  switch (spec.type) {
    case 'adam':
      return tf.train.adam(spec.learning_rate);
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
