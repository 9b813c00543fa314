/**
 * The evidence suite from the command line, for quick iteration on a configuration (the bench's
 * section 10 runs all of them: `npm run bench -- evidence`). Run `npm run build` first: the runs
 * use the built CLI.
 *
 *   node --import tsx bench/evidence/cli.ts [--setups digits,tabular] [--configs proportional,recommended]
 *                                           [--seeds 1,2,3] [--epochs 24] [--concurrency 2] [--json FILE]
 *
 * Prints one markdown table per setup to stdout (progress to stderr). Runs already done with the
 * same setup, overrides, seed and trainer source come from bench/.work/evidence/cache/;
 * JOINTRAIN_EVIDENCE_FRESH=1 reruns them. `--epochs N` trains every setup for N epochs instead of
 * its own budget. `--json FILE` also writes the whole result as JSON.
 */
import fs from 'node:fs';
import { renderSection } from '../markdown';
import { BENCH_CONFIGS, configNamed } from './configs';
import { setupNamed, SETUPS } from './setups';
import { DEFAULT_SEEDS, runSuite, suiteSection } from './suite';

function parseArgs(argv: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--(setups|configs|seeds|epochs|concurrency|json)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}": use --setups, --configs, --seeds, --epochs, --concurrency or --json`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    options.set(match[1] as string, value);
  }
  return options;
}

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const setups = list(options.get('setups')) ?? SETUPS.map((setup) => setup.name);
  setups.forEach(setupNamed); // fails early on an unknown name
  const configs = list(options.get('configs'))?.map(configNamed) ?? BENCH_CONFIGS;
  const seeds =
    list(options.get('seeds'))?.map((seed) => {
      const value = Number(seed);
      if (!Number.isInteger(value) || value < 0) throw new Error(`--seeds: "${seed}" is not a non-negative integer`);
      return value;
    }) ?? DEFAULT_SEEDS;
  const concurrency = options.has('concurrency') ? Number(options.get('concurrency')) : 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency: a positive integer');
  const epochs = options.has('epochs') ? Number(options.get('epochs')) : undefined;
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new Error('--epochs: a positive integer');
  const result = await runSuite({
    setups,
    configs,
    seeds,
    concurrency,
    ...(epochs !== undefined ? { epochs } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${renderSection(suiteSection(result))}\n`);
  const jsonFile = options.get('json');
  if (jsonFile !== undefined) fs.writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
