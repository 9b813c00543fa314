/**
 * Property-based fuzzing of the validators at the trust boundaries: trainer → host messages,
 * host → trainer commands (both JSON lines) and webview → host panel messages. Whatever arrives,
 * a validator answers `ok` with plain, finite data that validates again to the same value, or a
 * refusal with a reason; it never throws. The seed is fixed so that CI runs the same cases every
 * time; change it locally to explore other inputs.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { z } from 'zod';
import { parsePanelMessage, PanelUiStateSchema, type PanelToHostMessage } from '../../../src/shared/panel/protocol';
import { parseJsonLine } from '../../../src/shared/protocol/jsonLine';
import { MAX_COMMAND_BYTES, parseTrainerCommand, TrainerCommandSchema, type TrainerCommand } from '../../../src/shared/protocol/trainerCommands';
import { MAX_MESSAGE_BYTES, parseTrainerMessage, TrainerMessageSchema, type TrainerMessage } from '../../../src/shared/protocol/trainerMessages';

const SEED = 20_260_809;

/**
 * Runs a property with the fixed seed, reports how many cases ran and how many of them the
 * validator accepted (a predicate returns whether it did), and asserts what was expected: a
 * property meant to exercise accepted data that only ever sees refusals fails, and so does a
 * refusal property that lets anything through.
 */
function check<T>(t: TestContext, numRuns: number, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => boolean, accepts: 'some' | 'none' = 'some'): void {
  let cases = 0;
  let accepted = 0;
  const started = performance.now();
  fc.assert(
    fc.property(arbitrary, (value) => {
      cases++;
      if (predicate(value)) accepted++;
    }),
    { numRuns, seed: SEED },
  );
  t.diagnostic(`${cases} cases (${accepted} accepted), seed ${SEED}, ${Math.round(performance.now() - started)} ms`);
  assert.equal(cases, numRuns);
  if (accepts === 'none') assert.equal(accepted, 0, `${accepted} of ${cases} cases were accepted`);
  else assert.ok(accepted > 0, `none of ${cases} cases was accepted: the accepted path went untested`);
}

// ---------------------------------------------------------------------------------------------
// What every answer must look like
// ---------------------------------------------------------------------------------------------

/**
 * Accepted data is JSON-like: finite numbers, strings, booleans, null, and arrays and objects of
 * ordinary prototype. Where `nanAllowed` (trainer messages, whose undefined metrics are read as
 * NaN), NaN is the one non-finite number allowed; ±Infinity never is.
 */
function assertPlainFiniteData(value: unknown, where = 'value', nanAllowed = false): void {
  if (typeof value === 'number') return assert.ok(Number.isFinite(value) || (nanAllowed && Number.isNaN(value)), `${where} is ${value}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  assert.equal(typeof value, 'object', `${where} is a ${typeof value}`);
  const prototype: unknown = Object.getPrototypeOf(value);
  assert.ok(prototype === Object.prototype || prototype === Array.prototype, `${where} is not a plain object or array`);
  assert.ok(!Object.hasOwn(value as object, '__proto__'), `${where} has an own __proto__ key`);
  for (const [key, item] of Object.entries(value as object)) assertPlainFiniteData(item, `${where}.${key}`, nanAllowed);
}

function assertRefusal(result: { ok: false; error: string }, input: string): void {
  assert.equal(typeof result.error, 'string');
  assert.ok(result.error.length > 0, `refused without a reason: ${input.slice(0, 200)}`);
}

/** A JSON-line validator's answer: a refusal with a reason, or plain finite data that survives the wire again unchanged. */
function assertLineAnswer<T>(parse: (line: string) => { ok: true; value: T } | { ok: false; error: string }, line: string, nanAllowed = false): boolean {
  const answer = parse(line);
  if (!answer.ok) {
    assertRefusal(answer, line);
    return false;
  }
  assertPlainFiniteData(answer.value, 'value', nanAllowed);
  const again = JSON.stringify(answer.value);
  const reparsed = parse(again);
  assert.ok(reparsed.ok, `accepted ${line.slice(0, 200)} but refused its own re-serialization ${again.slice(0, 200)}`);
  assert.equal(JSON.stringify(reparsed.value), again);
  return true;
}

const messageAnswer = (line: string): { ok: true; value: TrainerMessage } | { ok: false; error: string } => {
  const parsed = parseTrainerMessage(line);
  return parsed.ok ? { ok: true, value: parsed.message } : parsed;
};
const commandAnswer = (line: string): { ok: true; value: TrainerCommand } | { ok: false; error: string } => {
  const parsed = parseTrainerCommand(line);
  return parsed.ok ? { ok: true, value: parsed.command } : parsed;
};

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];
const FIELD_NAMES = [
  'type',
  'protocol',
  'runId',
  'pid',
  'status',
  'epoch',
  'totalEpochs',
  'step',
  'stepsInEpoch',
  'samplesPerSecond',
  'datasets',
  'samples',
  'loss',
  'accuracy',
  'trainLoss',
  'valLoss',
  'configuredShare',
  'kind',
  'requestId',
  'message',
  'sampling',
  'otherRunId',
  'dataUrl',
  'smoothing',
  'hiddenSeries',
];
/** JSON number literals that JSON.parse reads as Infinity, -0 or a rounded value; written raw into a line by `toLine`. */
const RAW_NUMBERS = ['1e999', '-1e999', '-0', '1e308', '5e-324', '123456789012345678901234567890', '1E+2', '0.1e1'];
const raw = (literal: string): string => `@@raw:${literal}@@`;

const hostileNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, 1e6, 1e6 + 1, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2),
  fc.double(),
  fc.integer(),
  fc.constantFrom(...RAW_NUMBERS.map(raw)),
);
/** Strings one past each length limit of the protocols, and far past the line limits. */
const oversized = fc.constantFrom(101, 121, 201, 4001, MAX_COMMAND_BYTES + 1, MAX_MESSAGE_BYTES + 1).map((length) => 'x'.repeat(length));
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS, '', 'run-1', 'panel-1', 'running', 'set-weights', 'data:image/png;base64,iVBORw0KGgo=') },
  { weight: 1, arbitrary: oversized },
);
const hostileKey = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, ...FIELD_NAMES), fc.string({ maxLength: 8 }));
const weightsLike = fc.dictionary(hostileKey, hostileNumber, { maxKeys: 4 });
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  hostileString,
  fc.constantFrom(null, true, false, [], {}),
  weightsLike,
  fc.dictionary(hostileKey, fc.oneof(weightsLike, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(hostileNumber, { maxLength: 4 }),
);

/** One change to a message: set an existing field, add one (possibly `__proto__`), or delete one, anywhere in it. */
interface Change {
  kind: 'set' | 'add' | 'delete';
  container: number;
  field: number;
  key: string;
  value: unknown;
}
const change: fc.Arbitrary<Change> = fc.record({
  kind: fc.constantFrom('set' as const, 'add' as const, 'delete' as const),
  container: fc.nat(),
  field: fc.nat(),
  key: hostileKey,
  value: hostileValue,
});

function containersOf(value: unknown): Array<Record<string, unknown>> {
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  return [record, ...Object.values(record).flatMap(containersOf)];
}

/** `base` with the changes applied; keys are defined as own properties, so `__proto__` stays a key. */
function changed(base: unknown, changes: readonly Change[]): unknown {
  const copy = structuredClone(base);
  for (const { kind, container, field, key, value } of changes) {
    const containers = containersOf(copy);
    const target = containers[container % containers.length];
    if (!target) continue;
    const keys = Object.keys(target);
    const existing = keys[field % Math.max(keys.length, 1)];
    if (kind === 'delete' && existing !== undefined) delete target[existing];
    const name = kind === 'set' ? existing : kind === 'add' ? key : undefined;
    // A copy: fast-check hands out the same constant objects to many cases, and later changes may edit what was put here.
    if (name !== undefined) Object.defineProperty(target, name, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** The line a writer would send, with the raw number literals put in place. */
function toLine(value: unknown): string {
  return (JSON.stringify(value) ?? 'undefined').replace(/"@@raw:([^@"]+)@@"/g, '$1');
}

/** Lines that are almost JSON, or JSON with something spliced in. */
function spliced(line: string, at: number, cut: number, text: string): string {
  const position = at % (line.length + 1);
  return line.slice(0, position) + text + line.slice(position + cut);
}
const splice = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 10 }),
  text: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.constantFrom('\uFEFF', '\r', '\n', ',', '"', '}', '{"__proto__":{"a":1}}', ',"type":"stop"', ',"__proto__":null'),
  ),
});

const arbitraryLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map(toLine),
  fc.constantFrom('', ' ', 'null', 'true', '0', '""', '[]', '{}', '1e999', '{"type":null}', '{"type":{"__proto__":"pause"}}', '{"__proto__":{"type":"pause"}}'),
);

// ---------------------------------------------------------------------------------------------
// Trainer → host messages
// ---------------------------------------------------------------------------------------------

const epochDataset = {
  samples: 24,
  trainLoss: 0.5,
  trainAccuracy: 0.75,
  valLoss: Number.NaN,
  valAccuracy: 0.5,
  valMae: 0.1,
  configuredShare: 0.25,
  realizedShare: 0.25,
  lossShare: 0.4,
  epochsSeen: 1.5,
  samplingWeight: 1,
  lossWeight: 2,
};
const VALID_MESSAGES: TrainerMessage[] = [
  { type: 'hello', protocol: 1, runId: '20261129-184239-digits-6c54', pid: 4242, status: 'paused' },
  {
    type: 'step',
    epoch: 1,
    totalEpochs: 3,
    step: 2,
    stepsInEpoch: 6,
    samplesPerSecond: 812.5,
    datasets: { big: { samples: 8, loss: 0.7, accuracy: 0.5 }, reg: { samples: 8, loss: 0.1 } },
  },
  { type: 'epoch', epoch: 2, totalEpochs: 3, datasets: { big: epochDataset, small: { ...epochDataset, trainLoss: Number.NaN } } },
  { type: 'event', kind: 'weights-applied', epoch: 2, requestId: 'panel-1', message: 'applied' },
  { type: 'status', status: 'stopped' },
];

test('arbitrary lines sent as trainer messages are refused with a reason or accepted as finite data, never thrown on', (t) => {
  // Valid lines mixed in, so the accepted path (finite data that round-trips) is exercised too.
  check(t, 1000, fc.oneof(arbitraryLine, fc.constantFrom(...VALID_MESSAGES.map(toLine))), (line) => assertLineAnswer(messageAnswer, line, true));
});

test('trainer messages with fields set, added (incl. __proto__), deleted or spliced are refused or accepted as finite data that round-trips', (t) => {
  const message = fc.record({
    base: fc.constantFrom(...VALID_MESSAGES),
    changes: fc.array(change, { maxLength: 3 }),
    splices: fc.array(splice, { maxLength: 1 }),
  });
  check(t, 1500, message, ({ base, changes, splices }) => {
    const line = splices.reduce((text, { at, cut, text: inserted }) => spliced(text, at, cut, inserted), toLine(changed(base, changes)));
    return assertLineAnswer(messageAnswer, line, true);
  });
});

test('non-finite numbers in a trainer message are refused wherever they are put (1e999 reads as Infinity)', (t) => {
  const nonFinite = fc.record({ base: fc.constantFrom(...VALID_MESSAGES), container: fc.nat(), field: fc.nat(), literal: fc.constantFrom('1e999', '-1e999') });
  check(
    t,
    500,
    nonFinite,
    ({ base, container, field, literal }) => {
      const line = toLine(changed(base, [{ kind: 'set', container, field, key: '', value: raw(literal) }]));
      const answer = parseTrainerMessage(line);
      assert.equal(answer.ok, false, `accepted a non-finite number: ${line.slice(0, 200)}`);
      return answer.ok;
    },
    'none',
  );
});

// ---------------------------------------------------------------------------------------------
// Host → trainer commands
// ---------------------------------------------------------------------------------------------

const VALID_COMMANDS: TrainerCommand[] = [
  { type: 'set-weights', requestId: 'panel-1', sampling: { clean: 1, scanned: 2.5 }, loss: { clean: 0, inverted: 1e6 } },
  { type: 'set-weights', sampling: { a: 0.5 } },
  { type: 'pause' },
  { type: 'resume' },
  { type: 'stop' },
];

test('arbitrary lines sent as trainer commands are refused with a reason or accepted as finite data, never thrown on', (t) => {
  check(t, 1000, fc.oneof(arbitraryLine, fc.constantFrom(...VALID_COMMANDS.map(toLine))), (line) => assertLineAnswer(commandAnswer, line));
});

test('trainer commands with fields set, added (incl. __proto__), deleted or spliced are refused or accepted as finite weights that round-trip', (t) => {
  const command = fc.record({
    base: fc.constantFrom(...VALID_COMMANDS),
    changes: fc.array(change, { maxLength: 3 }),
    splices: fc.array(splice, { maxLength: 1 }),
  });
  check(t, 1500, command, ({ base, changes, splices }) => {
    const line = splices.reduce((text, { at, cut, text: inserted }) => spliced(text, at, cut, inserted), toLine(changed(base, changes)));
    const accepted = assertLineAnswer(commandAnswer, line);
    const answer = parseTrainerCommand(line);
    if (answer.ok && answer.command.type === 'set-weights') {
      for (const weight of [...Object.values(answer.command.sampling ?? {}), ...Object.values(answer.command.loss ?? {})]) {
        assert.ok(weight >= 0 && weight <= 1e6, `weight ${weight} accepted`);
      }
    }
    return accepted;
  });
});

// ---------------------------------------------------------------------------------------------
// The JSON-line reader itself
// ---------------------------------------------------------------------------------------------

/** What parseJsonLine must answer, derived independently: size first, then syntax, then the schema. */
function expectedLineAnswer(schema: z.ZodType, line: string, maxBytes: number): 'too long' | 'not JSON' | 'refused' | 'accepted' {
  if (line.length > maxBytes) return 'too long';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  return schema.safeParse(value).success ? 'accepted' : 'refused';
}

test('the JSON-line reader checks size, then syntax, then the schema, and never throws', (t) => {
  const schemas = [TrainerMessageSchema, TrainerCommandSchema] as z.ZodType[];
  const input = fc.record({
    line: fc.oneof(arbitraryLine, fc.constantFrom(...VALID_MESSAGES, ...VALID_COMMANDS).map(toLine)),
    maxBytes: fc.oneof(fc.nat({ max: 300 }), fc.constant(MAX_MESSAGE_BYTES)),
    schema: fc.nat({ max: schemas.length - 1 }),
    what: fc.string({ maxLength: 10 }),
  });
  check(t, 1000, input, ({ line, maxBytes, schema, what }) => {
    const chosen = schemas[schema] ?? TrainerCommandSchema;
    const answer = parseJsonLine(chosen, line, maxBytes, what);
    const expected = expectedLineAnswer(chosen, line, maxBytes);
    if (expected === 'too long') assert.deepEqual(answer, { ok: false, error: `${what} longer than ${maxBytes} bytes` });
    else if (expected === 'not JSON') assert.deepEqual(answer, { ok: false, error: 'not valid JSON' });
    else assert.equal(answer.ok, expected === 'accepted', line.slice(0, 200));
    if (answer.ok) assertPlainFiniteData(answer.value, 'value', chosen === TrainerMessageSchema);
    else assertRefusal(answer, line);
    return answer.ok;
  });
});

// ---------------------------------------------------------------------------------------------
// Webview → host panel messages
// ---------------------------------------------------------------------------------------------

/** Anything the webview's postMessage can deliver: the structured-clone types, not only JSON. */
const postable = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  withObjectString: true,
});

const VALID_PANEL_MESSAGES: PanelToHostMessage[] = [
  { type: 'ready' },
  { type: 'request-snapshot' },
  { type: 'set-weights', runId: 'run-1', requestId: 'panel-abc-1', sampling: { a: 1, b: 0 }, loss: { a: 2 } },
  { type: 'pause', runId: 'run-1' },
  { type: 'stop', runId: 'run-1' },
  { type: 'export-csv', runId: 'run-1' },
  { type: 'compare', runId: 'run-1', otherRunId: null },
  { type: 'compare', runId: 'run-1', otherRunId: 'run-2' },
  { type: 'export-png', runId: 'run-1', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
];

/** A panel message is refused with a reason, or accepted as plain finite data that survives postMessage and validates again unchanged. */
function assertPanelAnswer(value: unknown): boolean {
  const answer = parsePanelMessage(value);
  if (!answer.ok) {
    assertRefusal(answer, typeof value);
    return false;
  }
  assertPlainFiniteData(answer.message);
  assert.deepEqual(parsePanelMessage(structuredClone(answer.message)), answer);
  return true;
}

test('arbitrary values posted by the webview are refused with a reason or accepted as finite data, never thrown on', (t) => {
  check(t, 1000, fc.oneof(postable, fc.constantFrom(...VALID_PANEL_MESSAGES)), assertPanelAnswer);
});

test('panel messages with fields set to NaN, Infinity, oversized strings or __proto__ keys are refused or accepted as finite data that round-trips', (t) => {
  const message = fc.record({
    base: fc.constantFrom(...VALID_PANEL_MESSAGES),
    changes: fc.array(
      fc.oneof(
        change,
        change.map((one) => ({ ...one, value: 0 })),
      ),
      { maxLength: 3 },
    ),
  });
  check(t, 1500, message, ({ base, changes }) => assertPanelAnswer(changed(base, changes)));
});

test('panel messages parsed from JSON text with __proto__, constructor or prototype keys anywhere never change a prototype', (t) => {
  const injection = fc.record({
    kind: fc.constant('add' as const),
    container: fc.nat(),
    field: fc.nat(),
    key: fc.constantFrom(...PROTOTYPE_KEYS),
    value: fc.oneof(fc.nat({ max: 10 }), hostileValue),
  });
  const injected = fc.record({ base: fc.constantFrom(...VALID_PANEL_MESSAGES), changes: fc.array(injection, { minLength: 1, maxLength: 3 }) });
  check(t, 500, injected, ({ base, changes }) => {
    // JSON.parse makes `"__proto__"` an own key, as a message decoded from text would have it.
    const accepted = assertPanelAnswer(JSON.parse(JSON.stringify(changed(base, changes))));
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), OBJECT_PROTOTYPE_KEYS);
    return accepted;
  });
});

test('a saved panel state of any shape is read into a state with finite settings, or refused, never thrown on', (t) => {
  const saved = fc.oneof(
    postable,
    fc.record({
      runId: fc.constantFrom('run-1', '', '../x'),
      smoothing: hostileNumber,
      xAxis: hostileString,
      view: hostileString,
      hiddenSeries: fc.array(hostileString, { maxLength: 3 }),
    }),
  );
  check(t, 500, saved, (value) => {
    const state = PanelUiStateSchema.safeParse(value);
    if (!state.success) return false;
    assertPlainFiniteData(state.data);
    assert.ok(state.data.smoothing >= 0 && state.data.smoothing <= 0.99);
    assert.deepEqual(PanelUiStateSchema.parse(structuredClone(state.data)), state.data);
    return true;
  });
});
