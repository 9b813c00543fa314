/** The training section's optimizer schema, with its defaults, for tests that build one. */
import { TrainingSchema } from '../../../src/shared/experiment/schema';

export const OptimizerSchema = { parse: (optimizer: Record<string, unknown>) => TrainingSchema.parse({ optimizer }).optimizer };
