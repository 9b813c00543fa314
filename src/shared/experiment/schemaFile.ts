import { experimentJsonSchema } from './schema';

/** The exact text of media/jointrain.schema.json: pretty JSON with a trailing newline. */
export function experimentJsonSchemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
}
