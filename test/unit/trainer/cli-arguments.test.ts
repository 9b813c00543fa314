/**
 * The CLI's command line, parsed in this process: what each command's action receives (defaults,
 * repeated and converted options), the exit code 2 and the message for arguments it refuses, help
 * and version, and how main() reports an error it does not know (exit 70, with the stack).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../../../src/trainer/cli';
import { captureOutput, runCli, temporaryFolder } from './cli-support/captureCli';
import { main } from '../../../src/trainer/cli';

/** Parses `args` with each command's action replaced by one that records what it was given. */
async function parsed(args: readonly string[]): Promise<{ command: string; args: unknown[] }> {
  const program = buildProgram();
  let seen: { command: string; args: unknown[] } | undefined;
  for (const command of program.commands) {
    command.action((...received: unknown[]) => {
      // The last argument is the command itself; the one before it the options.
      seen = { command: command.name(), args: received.slice(0, -1) };
    });
  }
  await program.parseAsync(['node', 'jointrain', ...args]);
  assert.ok(seen, `no action ran for ${args.join(' ')}`);
  return seen;
}

test('`run` options: defaults, repeatable --set split at the first "=", --epochs as a number, the backend and run id as given', async () => {
  assert.deepEqual(await parsed(['run', 'exp.jointrain.yaml']), {
    command: 'run',
    args: ['exp.jointrain.yaml', { runsDir: '.jointrain/runs', set: [], stdinCommands: false, channel: false, json: false, quiet: false }],
  });
  assert.deepEqual(
    await parsed([
      'run',
      'exp.jointrain.yaml',
      '--set',
      'mixing.strategy=uniform',
      '--set',
      'datasets.0.csv.label=a=b',
      '--epochs',
      '7',
      '--backend',
      'wasm',
      '--run-id',
      'r_1.a-b',
      '--runs-dir',
      'runs',
      '--cache-dir',
      'cache',
      '--stdin-commands',
      '--channel',
      '--json',
      '-q',
    ]),
    {
      command: 'run',
      args: [
        'exp.jointrain.yaml',
        {
          runsDir: 'runs',
          cacheDir: 'cache',
          set: [
            { path: 'mixing.strategy', value: 'uniform' },
            { path: 'datasets.0.csv.label', value: 'a=b' },
          ],
          epochs: 7,
          backend: 'wasm',
          runId: 'r_1.a-b',
          stdinCommands: true,
          channel: true,
          json: true,
          quiet: true,
        },
      ],
    },
  );
  // An empty value is a value: `--set key=` sets the field to the empty string.
  assert.deepEqual(((await parsed(['run', 'e', '--set', 'name='])).args[1] as { set: unknown }).set, [{ path: 'name', value: '' }]);
});

test('the other commands: their arguments and defaults', async () => {
  assert.deepEqual(await parsed(['resume', 'runs/r1']), {
    command: 'resume',
    args: ['runs/r1', { stdinCommands: false, channel: false, json: false, quiet: false }],
  });
  assert.deepEqual(await parsed(['validate', 'a.jointrain.yaml', '--json']), { command: 'validate', args: ['a.jointrain.yaml', { json: true, data: false }] });
  assert.deepEqual(await parsed(['validate', 'a.jointrain.yaml', '--data', '--cache-dir', 'c']), {
    command: 'validate',
    args: ['a.jointrain.yaml', { json: false, data: true, cacheDir: 'c' }],
  });
  assert.deepEqual(await parsed(['scaffold', 'data/a', 'data/b.csv']), {
    command: 'scaffold',
    args: [['data/a', 'data/b.csv'], { relativeTo: '.', name: 'experiment', json: false, ignoreClassFolders: false }],
  });
  assert.deepEqual(await parsed(['compare', 'r1', 'r2', '--markdown']), { command: 'compare', args: [['r1', 'r2'], { markdown: true }] });
  assert.deepEqual(await parsed(['example', '--set', 'training.epochs=1', '-q']), {
    command: 'example',
    args: [{ runsDir: '.jointrain/runs', set: [{ path: 'training.epochs', value: '1' }], quiet: true }],
  });
});

/** The usage of `run` that commander prints after an error in its arguments. */
const RUN_USAGE = '\nUsage: jointrain run [options] <file>\n\ntrain an experiment into a new run folder\n';

test('arguments the CLI refuses: exit 2, the reason on stderr followed by the command’s usage, nothing on stdout', async () => {
  const cases: Array<[string[], string]> = [
    [
      ['run', 'e.yaml', '--set', 'mixing.strategy'],
      `error: option '--set <key=value>' argument 'mixing.strategy' is invalid. expected key=value (e.g. mixing.strategy=uniform), got "mixing.strategy"`,
    ],
    [
      ['run', 'e.yaml', '--set', '=uniform'],
      `error: option '--set <key=value>' argument '=uniform' is invalid. expected key=value (e.g. mixing.strategy=uniform), got "=uniform"`,
    ],
    [['run', 'e.yaml', '--epochs', '0'], `error: option '--epochs <n>' argument '0' is invalid. expected a positive integer, got "0"`],
    [['run', 'e.yaml', '--epochs', '2.5'], `error: option '--epochs <n>' argument '2.5' is invalid. expected a positive integer, got "2.5"`],
    [['run', 'e.yaml', '--epochs', 'many'], `error: option '--epochs <n>' argument 'many' is invalid. expected a positive integer, got "many"`],
    [
      ['run', 'e.yaml', '--run-id', '.hidden'],
      `error: option '--run-id <id>' argument '.hidden' is invalid. use letters, digits, ".", "-" and "_" (at most 120 characters), starting with a letter or digit`,
    ],
    [
      ['run', 'e.yaml', '--run-id', 'a'.repeat(121)],
      `error: option '--run-id <id>' argument '${'a'.repeat(121)}' is invalid. use letters, digits, ".", "-" and "_" (at most 120 characters), starting with a letter or digit`,
    ],
    [
      ['run', 'e.yaml', '--backend', 'tpu'],
      `error: option '--backend <name>' argument 'tpu' is invalid. Allowed choices are auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu.`,
    ],
    [['run'], `error: missing required argument 'file'`],
    [['run', 'e.yaml', '--epoch', '3'], `error: unknown option '--epoch'\n(Did you mean --epochs?)`],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await runCli(args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stdout, '', args.join(' '));
    assert.ok(stderr.startsWith(`${message}\n${RUN_USAGE}`), `${args.join(' ')}:\n${stderr}`);
  }
});

test('an unknown command is exit 2 with the nearest command, if one is near, and the list of commands', async () => {
  const typo = await runCli(['valdiate', 'e.yaml']);
  assert.deepEqual([typo.code, typo.stdout], [2, '']);
  assert.ok(typo.stderr.startsWith("error: unknown command 'valdiate'\n(Did you mean validate?)\n\nUsage: jointrain [options] [command]\n"), typo.stderr);
  for (const command of ['run', 'resume', 'validate', 'scaffold', 'compare', 'example']) assert.match(typo.stderr, new RegExp(`^ {2}${command} `, 'm'));
  const far = await runCli(['train', 'e.yaml']);
  assert.equal(far.code, 2);
  assert.ok(far.stderr.startsWith("error: unknown command 'train'\n\nUsage: jointrain [options] [command]\n"), far.stderr);
});

test('--version prints the package version and --help the commands, both on stdout with exit 0', async () => {
  const { version } = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await runCli(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' });
  assert.deepEqual(await runCli(['-V']), { code: 0, stdout: `${version}\n`, stderr: '' });

  const help = await runCli(['--help']);
  assert.deepEqual([help.code, help.stderr], [0, '']);
  assert.ok(help.stdout.startsWith('Usage: jointrain [options] [command]\n\nTrain one TensorFlow.js model jointly on several datasets.\n'), help.stdout);
  assert.match(help.stdout, /^ {2}run \[options\] <file> +train an experiment into a new run folder$/m);
  // The descriptions wrap at the terminal's width: only their first words are checked.
  assert.match(help.stdout, /^ {2}compare \[options\] <runs\.\.\.> +per-dataset validation accuracy/m);
  assert.match(help.stdout, /^ {2}evaluate \[options\] <run-dir> +evaluate a run's model/m);
  assert.match(help.stdout, /^ {2}predict \[options\] <run-dir> <input> +predict with a run's model/m);

  const runHelp = await runCli(['run', '--help']);
  assert.equal(runHelp.code, 0);
  assert.match(runHelp.stdout, /^ {2}--runs-dir <dir> +where run folders are created \(default: "\.jointrain\/runs"\)$/m);
  assert.match(runHelp.stdout, /^ {2}--backend <name> +override training\.backend \(choices: "auto",$/m);
});

test('a user error is `error:` and its hint on stderr, exit 1: a missing experiment file, a folder given as one, a folder that is not a run', async () => {
  const dir = temporaryFolder();
  const missing = join(dir, 'missing.jointrain.yaml');
  assert.deepEqual(await runCli(['run', missing, '--quiet']), {
    code: 1,
    stdout: '',
    stderr: `error: experiment file not found: ${missing}\nhint: check the path; experiment files are named like experiment.jointrain.yaml\n`,
  });
  assert.deepEqual(await runCli(['validate', dir]), { code: 1, stdout: '', stderr: `error: ${dir} is a folder: pass an experiment file (*.jointrain.yaml)\n` });
  for (const command of ['resume', 'compare']) {
    assert.deepEqual(await runCli([command, dir]), {
      code: 1,
      stdout: '',
      stderr: `error: ${dir} is not a run folder (no run.json)\nhint: pass the folder of a run, e.g. .jointrain/runs/<run-id>\n`,
    });
  }
});

test('an error the CLI does not know (here stdout failing) is an internal error with its stack, exit 70', async () => {
  const { value, stderr } = await captureOutput(async () => {
    // Replaced after captureOutput's own stub, and put back by it.
    // The test runner's own reports (Buffers) still go through.
    const capturing = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') throw new Error('stdout is gone');
      return (capturing as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    return main(['node', 'jointrain', '--version']);
  });
  assert.equal(value, 70);
  assert.match(stderr, /^internal error: Error: stdout is gone\n {4}at /);
});
