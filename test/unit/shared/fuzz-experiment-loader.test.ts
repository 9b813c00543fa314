/**
 * Property-based fuzzing of the experiment loader: whatever text an experiment file holds, the
 * loader answers with positioned issues (or a valid experiment) and never with an exception or a
 * hang. The seed is fixed so that CI runs the same cases every time; change it
 * locally to explore other inputs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, Pair, parseDocument, type Document, type Node } from 'yaml';
import type { ExperimentIssue } from '../../../src/shared/experiment/issues';
import { parseExperiment, type ParsedExperiment } from '../../../src/shared/experiment/parse';
import { loadExperiment } from '../../../src/trainer/config/loadExperiment';
import { ExperimentError } from '../../../src/trainer/errors';
import { locatedIssue } from '../support/locatedIssue';

const SEED = 20_260_808;
const FILE = 'fuzz.jointrain.yaml';
const EXAMPLE = readFileSync(join(__dirname, '../../../examples/digits.jointrain.yaml'), 'utf8');
const EXAMPLE_LINES = EXAMPLE.split('\n');
/** A hang (an alias bomb expanded) shows up as a case far slower than this; the slowest inputs here take about a second on a busy machine. */
const MAX_PARSE_MS = 10_000;

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/**
 * Runs a property with the fixed seed and reports how many cases ran and how many of them were
 * valid experiments (a predicate returns whether its case was), so the mix of inputs is visible.
 */
async function check<T>(t: TestContext, numRuns: number, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => boolean | Promise<boolean>): Promise<void> {
  let cases = 0;
  let valid = 0;
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      cases++;
      if (await predicate(value)) valid++;
    }),
    { numRuns, seed: SEED },
  );
  t.diagnostic(`${cases} cases (${valid} valid), seed ${SEED}, ${Math.round(performance.now() - started)} ms`);
  assert.equal(cases, numRuns);
}

// ---------------------------------------------------------------------------------------------
// What every answer must look like
// ---------------------------------------------------------------------------------------------

/** Whether 1-based `line`:`column` lies in the text of `lines`; `pastEnd` also allows one character after its last. */
function isPlace(lines: readonly string[], line: number, column: number, pastEnd = false): boolean {
  const lineText = lines[line - 1];
  if (!Number.isInteger(line) || !Number.isInteger(column) || lineText === undefined || column < 1) return false;
  return column <= lineText.length + 1 || (pastEnd && line === lines.length && column === lineText.length + 2);
}

function assertPositioned(lines: readonly string[], issue: ExperimentIssue, file = FILE): void {
  const where = `${issue.line}:${issue.column}-${issue.endLine}:${issue.endColumn} ${issue.message}`;
  assert.equal(issue.file, file);
  assert.ok(isPlace(lines, issue.line, issue.column), `start outside the text: ${where}`);
  // yaml ends an unclosed bracket or quote at the end of the file one character after it.
  assert.ok(isPlace(lines, issue.endLine, issue.endColumn, true), `end outside the text: ${where}`);
  assert.ok(issue.endLine > issue.line || (issue.endLine === issue.line && issue.endColumn >= issue.column), `end before start: ${where}`);
  assert.ok(typeof issue.message === 'string' && issue.message.trim() !== '', `no message: ${where}`);
  assert.ok(issue.severity === 'error' || issue.severity === 'warning', `severity ${String(issue.severity)}: ${where}`);
  for (const part of issue.path) {
    assert.ok(typeof part === 'string' || (Number.isInteger(part) && part >= 0), `field path part ${String(part)}: ${where}`);
  }
}

/** Never throws, returns within the bound, and answers with a valid experiment or positioned errors. */
function parseChecked(text: string): ParsedExperiment {
  const started = performance.now();
  const parsed = parseExperiment(text, FILE);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < MAX_PARSE_MS, `parsing ${text.length} characters took ${Math.round(elapsed)} ms`);
  const lines = text.split('\n');
  for (const issue of parsed.issues) assertPositioned(lines, issue);
  const errors = parsed.issues.filter((issue) => issue.severity === 'error');
  if (parsed.experiment) assert.equal(errors.length, 0, 'an experiment was returned along with errors');
  else assert.ok(errors.length > 0, 'no experiment and no error');
  return parsed;
}

const isValid = (text: string): boolean => parseChecked(text).experiment !== undefined;

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary text
// ---------------------------------------------------------------------------------------------

/** Pieces that steer the YAML parser into its less travelled paths. */
const YAML_TOKENS = [
  ':',
  ': ',
  '-',
  '- ',
  '? ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '<<: ',
  '!!',
  '!!str ',
  '!tag ',
  '#',
  '|',
  '>-',
  '"',
  "'",
  '\\',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '  ',
  '    ',
  '---',
  '...',
  '%YAML 1.2\n',
  '%TAG ! tag:x,2000:\n',
  '\uFEFF',
  '\u0000',
  '\u2028',
  '😀',
  'version',
  '1',
  'datasets',
  'model',
  'training',
  'name',
  'path',
  'type',
  'images',
  'csv',
  '.nan',
  '.inf',
  '-.inf',
  '1e999',
  '0x1F',
  '~',
  'null',
];
const yamlish = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 }).map((tokens) => tokens.join(''));

test('arbitrary text, in any unicode, is answered with positioned issues and never an exception', async (t) => {
  await check(t, 2200, fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => isValid(text));
});

test('arbitrary sequences of YAML syntax are answered with positioned issues and never an exception', async (t) => {
  await check(t, 1700, yamlish, (text) => isValid(text));
});

test('a valid file with arbitrary text spliced in is answered with positioned issues and never an exception', async (t) => {
  const splice = fc.record({
    at: fc.nat({ max: EXAMPLE.length }),
    cut: fc.nat({ max: 40 }),
    text: fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 40 })),
  });
  await check(t, 250, splice, ({ at, cut, text }) => isValid(EXAMPLE.slice(0, at) + text + EXAMPLE.slice(at + cut)));
});

test('issues after a stray directive are placed on their own line (found by fuzzing)', () => {
  // yaml's LineCounter missed the line breaks after the stray `%YAML`: the last issue was placed at
  // 2:12, past the end of the 9-character line 2, instead of at 3:2.
  assert.deepEqual(parseChecked('- %YAML 1.2\ntraining\r\n::').issues.map(locatedIssue), [
    '1:3-1:4 error : invalid YAML: plain value cannot start with directive indicator character %',
    '2:1-3:2 error : invalid YAML: unexpected scalar at node end',
    '3:2-3:3 error : invalid YAML: unexpected map-value-ind token in YAML stream: ":"',
  ]);
  const afterTag = parseChecked('    %TAG ! tag:x,2000:\n>-\n# one\n# two\nversion: 1\n').issues.map(locatedIssue);
  assert.equal(afterTag[2], '3:1-6:1 error : invalid YAML: unexpected scalar token in YAML stream: "# one\\n# two\\nversion: 1\\n"');
});

// ---------------------------------------------------------------------------------------------
// (b) Structured mutations of the bundled example
// ---------------------------------------------------------------------------------------------

type FieldPath = Array<string | number>;

/** Every field of the document that a mutation can reach: map values (by key) and list items (by index). */
function fieldPaths(node: unknown, path: FieldPath = []): FieldPath[] {
  if (isMap(node)) {
    return node.items.flatMap((pair) =>
      isScalar(pair.key) ? [[...path, String(pair.key.value)], ...fieldPaths(pair.value, [...path, String(pair.key.value)])] : [],
    );
  }
  if (isSeq(node)) return node.items.flatMap((item, index) => [[...path, index], ...fieldPaths(item, [...path, index])]);
  return [];
}

/** Numbers a careless writer of YAML or of a generator might produce. */
const hostileNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -(2 ** 31), 0.1 + 0.2),
  fc.double(),
  fc.integer(),
);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', 'toString', '.nan', 'yes', 'null', '~', '*a', '&a', '- x', 'a: b', '\u0000'),
  },
  { weight: 1, arbitrary: fc.nat({ max: 50_000 }).map((length) => 'x'.repeat(length)) },
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileNumber,
  hostileString,
  fc.constantFrom(null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.array(hostileNumber, { maxLength: 3 }), { maxLength: 3 }),
  fc.dictionary(hostileString, hostileNumber, { maxKeys: 4 }),
);

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'rename'; at: number; key: string }
  | { kind: 'duplicate'; at: number; value: unknown }
  /** Replaces one of the fields that name a file or folder (`path`, `from`). */
  | { kind: 'path'; at: number; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), key: hostileString }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), value: fc.oneof(fc.constant(undefined), hostileValue) }),
  fc.record({ kind: fc.constant('path' as const), at: fc.nat(), value: hostileValue }),
);

const namesFile = (path: FieldPath): boolean => path[path.length - 1] === 'path' || path[path.length - 1] === 'from';

/** The pair holding the last key of `path`, when its parent is a map. */
function pairAt(document: Document, path: FieldPath): Pair | undefined {
  const parent: unknown = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  const key = path[path.length - 1];
  return isMap(parent) ? parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(key)) : undefined;
}

function applyMutation(document: Document, change: Mutation): void {
  const paths = fieldPaths(document.contents).filter((path) => change.kind !== 'path' || namesFile(path));
  const path = paths[change.at % Math.max(paths.length, 1)];
  if (!path) return;
  const pair = pairAt(document, path);
  if (change.kind === 'delete') document.deleteIn(path);
  if (change.kind === 'replace' || change.kind === 'path') document.setIn(path, document.createNode(change.value));
  if (change.kind === 'rename' && pair) pair.key = document.createNode(change.key);
  if (change.kind === 'duplicate' && pair) {
    const parent: unknown = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
    const value = change.value === undefined ? (pair.value as Node | null)?.clone() : document.createNode(change.value);
    if (isMap(parent)) parent.items.push(new Pair(document.createNode(String(path[path.length - 1])), value));
  }
}

const EXAMPLE_DOCUMENT = parseDocument(EXAMPLE);

function mutatedExample(changes: readonly Mutation[]): string {
  const document = EXAMPLE_DOCUMENT.clone();
  changes.forEach((change) => applyMutation(document, change));
  return document.toString();
}

test('the bundled example parses as a valid experiment (the base the mutations start from)', () => {
  assert.ok(parseChecked(EXAMPLE).experiment);
  assert.ok(parseChecked(mutatedExample([])).experiment, 'the example, re-stringified by yaml, is no longer valid');
});

test('the example with keys deleted, renamed, duplicated or values replaced by hostile JSON is valid or refused at positioned fields', async (t) => {
  await check(t, 300, fc.array(mutation, { minLength: 1, maxLength: 4 }), (changes) => isValid(mutatedExample(changes)));
});

/** Whether one field path lies on the other's way from the root: the field itself, a parent or a child. */
function related(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.slice(0, b.length).every((part, index) => String(part) === String(b[index]));
}

test('a non-finite number put anywhere in the example is refused, naming that field or one on its path', async (t) => {
  const nonFinite = fc.record({ at: fc.nat(), value: fc.constantFrom(Number.NaN, Infinity, -Infinity) });
  await check(t, 150, nonFinite, ({ at, value }) => {
    const paths = fieldPaths(EXAMPLE_DOCUMENT.contents);
    const path = paths[at % paths.length] ?? [];
    const parsed = parseChecked(mutatedExample([{ kind: 'replace', at, value }]));
    assert.equal(parsed.experiment, undefined, `${String(value)} accepted at ${path.join('.')}`);
    const errors = parsed.issues.filter((issue) => issue.severity === 'error');
    assert.ok(
      errors.some((issue) => related(issue.path, path) || related(path, issue.path)),
      `no error names ${path.join('.')}: ${errors.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
    return false;
  });
});

// ---------------------------------------------------------------------------------------------
// (c) Valid-looking but hostile YAML
// ---------------------------------------------------------------------------------------------

/** `levels` anchors, each a list of `fanOut` aliases of the one before: fanOut^levels nodes once expanded. */
function aliasBomb(levels: number, fanOut: number, flow: boolean): string {
  const lines = [`a0: &a0 [${Array.from({ length: fanOut }, () => '"lol"').join(', ')}]`];
  for (let level = 1; level <= levels; level++) {
    const aliases = Array.from({ length: fanOut }, () => `*a${level - 1}`);
    lines.push(flow ? `a${level}: &a${level} [${aliases.join(', ')}]` : `a${level}: &a${level}\n${aliases.map((alias) => `  - ${alias}`).join('\n')}`);
  }
  return `${lines.join('\n')}\n`;
}

test('alias bombs ("billion laughs") return promptly, refused or harmless, and never expand without bound', async (t) => {
  const bomb = fc.record({ levels: fc.integer({ min: 1, max: 12 }), fanOut: fc.integer({ min: 2, max: 12 }), flow: fc.boolean(), inExample: fc.boolean() });
  await check(t, 100, bomb, ({ levels, fanOut, flow, inExample }) => {
    const aliases = aliasBomb(levels, fanOut, flow);
    const text = inExample ? EXAMPLE.replace('name: digits', `name: *a${levels}`).replace('version: 1\n', `version: 1\n${aliases}`) : aliases;
    const parsed = parseChecked(text);
    if (fanOut ** levels > 1e6) assert.equal(parsed.experiment, undefined);
    return parsed.experiment !== undefined;
  });
});

test('a self-referencing alias and an alias used before its anchor are refused with positioned issues', () => {
  for (const text of ['a: &a [*a]\n', 'name: *later\nb: &later x\n', 'version: 1\n<<: *nowhere\n', `${EXAMPLE}\nname: &n *n\n`]) {
    assert.equal(parseChecked(text).experiment, undefined, text);
  }
});

test('deeply nested lists and maps, in flow or block style, are refused with positioned issues and no stack overflow', async (t) => {
  const nesting = fc.record({
    depth: fc.integer({ min: 1, max: 1500 }),
    style: fc.constantFrom('flow-list', 'flow-map', 'block-map', 'block-list'),
    inExample: fc.boolean(),
  });
  await check(t, 24, nesting, ({ depth, style, inExample }) => {
    const nested =
      style === 'flow-list'
        ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
        : style === 'flow-map'
          ? `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`
          : Array.from({ length: depth }, (_, level) => `${' '.repeat(level + 1)}${style === 'block-map' ? 'a:' : '-'}`).join('\n');
    const value = style.startsWith('block') ? `\n${nested} 1` : ` ${nested}`;
    return isValid(inExample ? EXAMPLE.replace('  epochs: 12', `  epochs:${value.replace(/\n/g, '\n  ')}`) : `version:${value}\n`);
  });
});

const TAGS = [
  '!!js/function',
  '!!js/undefined',
  '!!js/regexp',
  '!!python/object/apply:os.system',
  '!!binary',
  '!!set',
  '!!omap',
  '!!pairs',
  '!!timestamp',
  '!!float',
  '!!int',
  '!!bool',
  '!!null',
  '!!str',
  '!!map',
  '!!seq',
  '!custom',
  '!<tag:yaml.org,2002:js/function>',
  '!',
  '!!merge',
];

test('values tagged !!js/function, !!binary, !!set and other tags are answered with positioned issues, never run or thrown on', async (t) => {
  const tagged = fc.record({
    tag: fc.constantFrom(...TAGS),
    at: fc.nat(),
    value: fc.constantFrom('"function () { process.exit(1) }"', 'x', '[1, 2]', '{a: 1}', '', '12', 'SGVsbG8='),
  });
  await check(t, 200, tagged, ({ tag, at, value }) => {
    const lines = EXAMPLE.split('\n');
    const fields = lines.flatMap((line, index) => (/^\s*[a-z_]+: \S/.test(line) && !line.trimStart().startsWith('#') ? [index] : []));
    const index = fields[at % fields.length] ?? 0;
    lines[index] = (lines[index] ?? '').replace(/: (\S.*)$/, `: ${tag} ${value}`);
    return isValid(lines.join('\n'));
  });
});

test('very long lines, keys and values are answered with positioned issues within the line', async (t) => {
  const long = fc.record({
    length: fc.integer({ min: 1000, max: 200_000 }),
    where: fc.constantFrom('value', 'key', 'comment', 'garbage', 'quoted'),
    char: fc.constantFrom('x', ' ', ':', '[', '"', 'é', '😀'),
  });
  await check(t, 30, long, ({ length, where, char }) => {
    const run = char.repeat(length);
    const text =
      where === 'value'
        ? EXAMPLE.replace('name: digits', `name: ${run}`)
        : where === 'key'
          ? EXAMPLE.replace('name: digits', `${run}: digits`)
          : where === 'comment'
            ? EXAMPLE.replace('name: digits', `name: digits # ${run}`)
            : where === 'quoted'
              ? EXAMPLE.replace('name: digits', `name: "${run.replaceAll('"', '\\"')}`)
              : `${EXAMPLE}${run}`;
    return isValid(text);
  });
});

// ---------------------------------------------------------------------------------------------
// Overrides and the file-level loader
// ---------------------------------------------------------------------------------------------

test('arbitrary --set overrides are applied or refused with positioned issues, never thrown', async (t) => {
  const override = fc.record({
    path: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '__proto__',
        'constructor.prototype',
        'datasets[99].path',
        'datasets.0',
        'training.epochs',
        'model.stems.image.layers[0]',
        '[0]',
        '.',
        '...',
      ),
    ),
    value: fc.oneof(yamlish, fc.string({ maxLength: 30 }), fc.constantFrom('.nan', '1e999', '&a [*a]', '!!js/function x', '{', '')),
  });
  await check(t, 200, fc.array(override, { maxLength: 3 }), (overrides) => {
    const parsed = parseExperiment(EXAMPLE, FILE, overrides);
    for (const issue of parsed.issues) assertPositioned(EXAMPLE_LINES, issue);
    if (!parsed.experiment) assert.ok(parsed.issues.some((issue) => issue.severity === 'error'));
    return parsed.experiment !== undefined;
  });
  assert.equal(({} as Record<string, unknown>).version, undefined, 'an override polluted Object.prototype');
});

/**
 * Values safe to hand the file checks: names inside the temporary folder, or holding a NUL. A path
 * that leaves the folder (`/`, `..`, a device) is a different question, about which files a run
 * may read, not about parsing.
 */
const localName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.constantFrom('\0', 'data\0.csv'));

test('the file-level loader refuses arbitrary and mutated experiment files only with an ExperimentError of positioned issues', async (t) => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-fuzz-')));
  roots.push(root);
  const localMutation = fc.oneof(
    mutation.filter((change) => change.kind === 'delete' || change.kind === 'rename'),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(localName, hostileNumber, fc.constantFrom(null, true, [], {})) }),
    fc.record({ kind: fc.constant('path' as const), at: fc.nat(), value: localName }),
  );
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), yamlish, fc.array(localMutation, { minLength: 1, maxLength: 3 }).map(mutatedExample));
  let file = 0;
  await check(t, 150, text, async (content) => {
    const path = join(root, `case-${file++}.jointrain.yaml`);
    writeFileSync(path, content);
    try {
      const loaded = await loadExperiment(path);
      assert.equal(loaded.issues.filter((issue) => issue.severity === 'error').length, 0);
      return true;
    } catch (error) {
      assert.ok(error instanceof ExperimentError, `threw ${String(error)}`);
      assert.ok(error.issues.length > 0);
      for (const issue of error.issues) assertPositioned(content.split('\n'), issue, path);
      return false;
    }
  });
});

test('a path holding a NUL character is refused at its field by the parser and the file-level loader, not thrown on by node:fs', async () => {
  const text = EXAMPLE.replace('path: data/sensors.csv', 'path: "data/sensors\\0.csv"');
  assert.deepEqual(parseChecked(text).issues.map(locatedIssue), ['48:11-48:31 error datasets[3].path: a path cannot contain a NUL character (\\0): remove it']);
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-fuzz-')));
  roots.push(root);
  writeFileSync(join(root, 'nul.jointrain.yaml'), text);
  // Before, node:fs threw ERR_INVALID_ARG_VALUE out of the loader instead of an ExperimentError.
  await assert.rejects(
    loadExperiment(join(root, 'nul.jointrain.yaml')),
    (error) => error instanceof ExperimentError && error.issues.some((issue) => issue.message.includes('NUL')),
  );
});
