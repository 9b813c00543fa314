/**
 * How many lines from the top a schema modeline is looked for in: where it is written in practice,
 * and few enough that the check costs nothing on every keystroke in any YAML file.
 */
export const MODELINE_LINES = 20;

/** Red Hat YAML's modeline, `# yaml-language-server: $schema=<url>`, on a comment line of its own. */
const MODELINE = /^\s*#\s*yaml-language-server\s*:.*?\$schema=(\S+)/;
const SCHEMA_FILE = 'jointrain.schema.json';

/**
 * Whether a YAML file declares the jointrain schema in a modeline near its top, by a relative path,
 * a file URI or a URL (its query and fragment ignored): such a file is an experiment whatever its name.
 */
export function declaresJointrainSchema(text: string): boolean {
  return text.split('\n', MODELINE_LINES).some((line) => {
    const schema = MODELINE.exec(line)?.[1];
    return schema !== undefined && schema.replace(/[?#].*$/, '').endsWith(SCHEMA_FILE);
  });
}
