/**
 * An experiment file must be UTF-8 (issue #14): other bytes used to become U+FFFD silently, and a
 * UTF-16 file was parsed as text with a NUL between every letter.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadExperiment, validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { ExperimentError } from '../../../src/trainer/errors';
import { locatedIssue } from '../support/locatedIssue';

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A valid experiment; `name` is on line 2, the first character of its value at column 7. */
function experimentText(name: string): string {
  return [
    'version: 1',
    `name: ${name}`,
    'datasets:',
    '  - name: sensors',
    '    type: csv',
    '    path: sensors.csv',
    '    csv: { label: kind }',
    '    head: sensor',
    '    stem: table',
    'model:',
    '  stems:',
    '    table: {}',
    '  heads:',
    '    sensor: { task: classification }',
    '',
  ].join('\n');
}

/** Writes `bytes` as the experiment file of a folder that holds its data, and returns the file. */
function experimentFile(bytes: Uint8Array): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-encoding-')));
  roots.push(root);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'sensors.csv'), 'a,b,kind\n1,2,x\n3,4,y\n');
  const file = join(root, 'exp.jointrain.yaml');
  writeFileSync(file, bytes);
  return file;
}

/** Loads the file, expecting it refused; returns the one issue, checked to be what `validate` reports too. */
async function refusal(file: string): Promise<{ located: string; message: string }> {
  let caught: unknown;
  await loadExperiment(file).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof ExperimentError, `expected an ExperimentError, got ${String(caught)}`);
  assert.equal(caught.issues.length, 1);
  const [issue] = caught.issues;
  assert.ok(issue !== undefined);
  assert.equal(issue.file, file);
  assert.deepEqual(await validateExperimentFile(file), caught.issues);
  assert.ok(!caught.message.includes('\n') && !caught.message.includes('\u0000') && !caught.message.includes('\uFFFD'));
  return { located: locatedIssue(issue), message: caught.message };
}

test('a UTF-8 experiment, with or without a byte order mark, loads with its non-ASCII text intact', async () => {
  const text = experimentText('capteurs-été-🌡');
  assert.equal((await loadExperiment(experimentFile(Buffer.from(text, 'utf8')))).name, 'capteurs-été-🌡');
  assert.equal((await loadExperiment(experimentFile(Buffer.from(`\uFEFF${text}`, 'utf8')))).name, 'capteurs-été-🌡');
});

test('a byte that is not UTF-8 is an error at its line and column that says to save the file as UTF-8', async () => {
  // "capteurs-été" saved as Latin-1: é is the single byte 0xE9.
  const file = experimentFile(Buffer.from(experimentText('capteurs-été'), 'latin1'));
  const { located, message } = await refusal(file);
  assert.equal(
    located,
    '2:16-2:17 error : byte 0xE9 is not UTF-8 (the file is in another encoding, such as Latin-1 or Windows-1252): save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)',
  );
  assert.ok(message.startsWith(`${file}:2:16 byte 0xE9 is not UTF-8`));
});

test('the column of a bad byte counts the characters before it on its line, and overlong or surrogate forms are bad bytes', async () => {
  const before = Buffer.from(experimentText('ñandú-x'), 'utf8');
  const at = before.indexOf('x'.charCodeAt(0), before.indexOf('name: ñ'));
  for (const bad of [
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
  ]) {
    const bytes = Buffer.concat([before.subarray(0, at), Buffer.from(bad), before.subarray(at + 1)]);
    const { located } = await refusal(experimentFile(bytes));
    assert.match(located, new RegExp(`^2:13-2:14 error : byte 0x${bad[0]?.toString(16).toUpperCase()} is not UTF-8`));
  }
});

test('a UTF-16 file, with either byte order mark or none, is refused in one line that says to save it as UTF-8', async () => {
  const text = experimentText('sensors');
  const littleEndian = Buffer.from(text, 'utf16le');
  const bigEndian = Buffer.from(littleEndian).swap16();
  const files = [Buffer.concat([Buffer.from([0xff, 0xfe]), littleEndian]), Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian]), littleEndian, bigEndian];
  const messages = [];
  for (const bytes of files) messages.push((await refusal(experimentFile(bytes))).located);
  assert.deepEqual(messages, [
    '1:1-1:1 error : the file is UTF-16 text (it starts with the byte order mark FF FE), not UTF-8: save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)',
    '1:1-1:1 error : the file is UTF-16 text (it starts with the byte order mark FE FF), not UTF-8: save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)',
    '1:1-1:1 error : the file is UTF-16 text (every other byte is NUL), not UTF-8: save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)',
    '1:1-1:1 error : the file is UTF-16 text (every other byte is NUL), not UTF-8: save it as UTF-8 (in VS Code: the encoding in the status bar → Save with Encoding → UTF-8)',
  ]);
});
