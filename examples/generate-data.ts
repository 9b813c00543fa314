/**
 * `npx tsx examples/generate-data.ts [outDir] [--scale N]`: writes the bundled example's data.
 * The generator itself is src/trainer/scaffold/exampleData.ts (the trainer's `example` command uses it).
 */
import path from 'node:path';
import { generateExampleData } from '../src/trainer/scaffold/exampleData';

const args = process.argv.slice(2);
const scaleAt = args.indexOf('--scale');
const scale = scaleAt >= 0 ? Number(args.splice(scaleAt, 2)[1]) : 1;
const outDir = args[0] ?? path.join(__dirname, 'data');
generateExampleData(outDir, { scale, log: (line) => console.log(`  ${line}`) }).then(
  (summary) => {
    const rel = path.relative(process.cwd(), summary.outDir) || '.';
    if (summary.skipped) {
      console.log(`${rel} already holds the example data (generator version ${summary.version}); nothing to do.`);
    } else {
      console.log(`Wrote the example data to ${rel} in ${(summary.elapsedMs / 1000).toFixed(1)} s.`);
    }
  },
  (error: unknown) => {
    console.error(`Could not generate the example data: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
