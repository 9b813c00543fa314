import type { z } from 'zod';
import type { FieldPath, IssueTarget } from './locate';
import { keysAllowedAt, valueAt } from './schemaPaths';
import { closestName, didYouMean } from './suggest';

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** A schema problem in words, with the field it belongs to. */
export interface SchemaProblem {
  path: Array<string | number>;
  message: string;
  target: IssueTarget;
}

/** What an unknown or missing key was, so that a misspelt key is not also reported as missing. */
interface KeyProblem extends SchemaProblem {
  missingKey?: string;
  suggestedKey?: string;
}

const SUPPORTED_VERSION = 1;

/**
 * Explains zod issues in the words of the experiment file: what was expected, what was found and,
 * for a misspelt key or option, the closest valid one. A union failure is explained by its most
 * plausible branch rather than as a generic "invalid input".
 */
export function explainSchemaIssues(schema: Schema, issues: readonly Issue[], data: unknown): SchemaProblem[] {
  const explain = (issue: Issue, base: FieldPath): KeyProblem[] => {
    const path = [...base, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))];
    const value = valueAt(data, path);
    const problem = (message: string, at: Array<string | number> = path, target: IssueTarget = 'value'): KeyProblem[] => [{ path: at, message, target }];

    if (path.length === 1 && path[0] === 'version') return explainVersion(value);
    if (path.length === 0 && issue.code === 'invalid_type') return problem(describeTopLevel(value));
    if (value === undefined && isMismatch(issue)) return missingKey(path, issue);

    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAllowedAt(schema, path, data);
        return issue.keys.map((key) => unknownKey([...path, key], key, allowed));
      }
      case 'invalid_union': {
        if (issue.errors.length === 0) return problem(expectedValues(discriminatorOptions(issue), value));
        const branches = issue.errors;
        if (branches.every(failsAtRoot))
          return problem(
            expectedAnyOf(
              branches.flatMap((branch) => branch.filter(isRootIssue)),
              value,
            ),
          );
        return mostPlausibleBranch(branches, value).flatMap((inner) => explain(inner, path));
      }
      case 'invalid_type':
        return problem(`expected ${expectedType(issue.expected, value)}, got ${describeValue(value)}`);
      case 'invalid_value':
        return problem(expectedValues(issue.values, value));
      case 'too_small':
      case 'too_big':
        return problem(outOfBounds(issue, value));
      case 'invalid_format':
        return problem(`invalid value ${describeValue(value)}: ${issue.message}`);
      case 'invalid_key': {
        const key = path[path.length - 1] ?? '';
        const reason = issue.issues.map((inner) => explainBound(inner, key)).join('; ');
        return problem(`invalid key ${JSON.stringify(key)}: ${reason}`, path, 'key');
      }
      default:
        return problem(issue.message);
    }
  };
  return withoutMisspeltMissingKeys(issues.flatMap((issue) => explain(issue, [])));
}

/** `splt: 0.2` yields "unknown key `splt` — did you mean `split`?"; "missing `split`" would only repeat it. */
function withoutMisspeltMissingKeys(problems: readonly KeyProblem[]): SchemaProblem[] {
  const keyAt = (parent: FieldPath, key: string): string => JSON.stringify([...parent, key]);
  const suggested = new Set(problems.flatMap((problem) => (problem.suggestedKey ? [keyAt(problem.path.slice(0, -1), problem.suggestedKey)] : [])));
  return problems
    .filter((problem) => !(problem.missingKey && suggested.has(keyAt(problem.path, problem.missingKey))))
    .map(({ path, message, target }) => ({ path, message, target }));
}

function explainVersion(value: unknown): SchemaProblem[] {
  if (value === undefined) {
    return [
      {
        path: [],
        message: `missing \`version\`: add \`version: ${SUPPORTED_VERSION}\` at the top (the experiment format this jointrain reads)`,
        target: 'value',
      },
    ];
  }
  return [
    {
      path: ['version'],
      message: `unsupported format version ${describeValue(value)}: this jointrain reads version ${SUPPORTED_VERSION}; set \`version: ${SUPPORTED_VERSION}\``,
      target: 'value',
    },
  ];
}

function describeTopLevel(value: unknown): string {
  return value === undefined || value === null
    ? 'the file is empty: start with `version: 1`, then `datasets` and `model`'
    : `expected a map of settings (\`version\`, \`datasets\`, \`model\`, ...), got ${describeValue(value)}`;
}

function missingKey(path: Array<string | number>, issue: Issue): KeyProblem[] {
  const key = String(path[path.length - 1]);
  const options = issue.code === 'invalid_union' ? discriminatorOptions(issue) : [];
  const choices = options.length ? ` (one of ${options.map(String).join(', ')})` : '';
  return [{ path: path.slice(0, -1), message: `missing required key \`${key}\`${choices}`, target: 'value', missingKey: key }];
}

/** The values a discriminated union accepts, named by zod when no option matched. */
function discriminatorOptions(issue: z.core.$ZodIssueInvalidUnion): readonly unknown[] {
  return 'options' in issue && issue.errors.length === 0 ? (issue.options ?? []) : [];
}

function unknownKey(path: Array<string | number>, key: string, allowed: readonly string[]): KeyProblem {
  const suggestedKey = closestName(key, allowed);
  const message = suggestedKey
    ? `unknown key \`${key}\` — did you mean \`${suggestedKey}\`?`
    : allowed.length
      ? `unknown key \`${key}\`; allowed here: ${allowed.join(', ')}`
      : `unknown key \`${key}\``;
  return { path, message, target: 'key', suggestedKey };
}

/** Issues that say the value is of the wrong kind altogether (rather than, say, out of range). */
function isMismatch(issue: Issue): boolean {
  return issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union';
}

function isRootIssue(issue: Issue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || isTemplateMismatch(issue));
}

/**
 * A value that does not fit a pattern such as `val_loss:<dataset name>`: the schema's template
 * literals carry that pattern, placeholder in angle brackets, as their message (a value that is no
 * string at all fails them by type, with the same message).
 */
function isTemplateMismatch(issue: Issue): boolean {
  if (issue.code === 'invalid_format') return issue.format === 'template_literal';
  return issue.code === 'invalid_type' && issue.expected === 'string' && /<[^>]+>/.test(issue.message);
}

function failsAtRoot(branch: readonly Issue[]): boolean {
  return branch.some(isRootIssue);
}

/**
 * The branch the author most likely meant: one whose kind matches the value, then the one that
 * recognises most of the value's keys, then the one with the fewest issues.
 */
function mostPlausibleBranch(branches: ReadonlyArray<readonly Issue[]>, value: unknown): readonly Issue[] {
  const presentKeys = typeof value === 'object' && value !== null ? Object.keys(value).length : 0;
  const score = (branch: readonly Issue[]): number[] => {
    const unknownKeys = branch.reduce((count, issue) => count + (issue.code === 'unrecognized_keys' && issue.path.length === 0 ? issue.keys.length : 0), 0);
    return [failsAtRoot(branch) ? 1 : 0, unknownKeys - presentKeys, branch.length];
  };
  const better = (a: number[], b: number[]): boolean => {
    const index = a.findIndex((part, i) => part !== b[i]);
    return index >= 0 && (a[index] ?? 0) < (b[index] ?? 0);
  };
  let best = branches[0] ?? [];
  for (const branch of branches.slice(1)) if (better(score(branch), score(best))) best = branch;
  return best;
}

function expectedAnyOf(rootIssues: readonly Issue[], value: unknown): string {
  const values = rootIssues.flatMap((issue) => (issue.code === 'invalid_value' ? issue.values : []));
  const patterns = rootIssues.filter(isTemplateMismatch).map((issue) => issue.message);
  // The patterns already say a string is expected.
  const types = [
    ...new Set(
      rootIssues.flatMap((issue) =>
        issue.code === 'invalid_type' && !isTemplateMismatch(issue) && !(patterns.length > 0 && issue.expected === 'string')
          ? [expectedType(issue.expected, value)]
          : [],
      ),
    ),
  ];
  if (types.length === 0) return expectedValues(values, value, patterns);
  const parts = [...values.map(String), ...types];
  return `expected ${parts.slice(0, -1).join(', ')}${parts.length > 1 ? ' or ' : ''}${parts[parts.length - 1]}, got ${describeValue(value)}${suggestValue(values, value)}`;
}

/** `patterns` (such as `val_loss:<dataset name>`) are listed with the values but never suggested as a spelling. */
function expectedValues(values: readonly unknown[], value: unknown, patterns: readonly string[] = []): string {
  const expected = [...values.map(String), ...patterns];
  if (expected.length === 1) return `expected ${expected[0]}, got ${describeValue(value)}`;
  return `expected one of ${expected.join(', ')}; got ${describeValue(value)}${suggestValue(values, value)}`;
}

function suggestValue(values: readonly unknown[], value: unknown): string {
  if (typeof value !== 'string') return '';
  return didYouMean(
    value,
    values.filter((candidate): candidate is string => typeof candidate === 'string'),
    (name) => JSON.stringify(name),
  );
}

function explainBound(issue: Issue, value: unknown): string {
  return issue.code === 'too_small' || issue.code === 'too_big' ? outOfBounds(issue, value).replace(/, got .*$/, '') : issue.message;
}

function outOfBounds(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? issue.minimum : issue.maximum);
  const got = `, got ${describeValue(value)}`;
  switch (issue.origin) {
    case 'number':
    case 'int': {
      const operator = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      // A bound the schema explains (why it is there, what to do) keeps its explanation.
      const why = /^Too (big|small):/.test(issue.message) ? '' : `: ${issue.message}`;
      return `expected a number ${operator} ${bound}${got}${why}`;
    }
    case 'array': {
      const count = Array.isArray(value) ? `, got ${value.length}` : '';
      return `expected ${issue.exact ? 'exactly' : small ? 'at least' : 'at most'} ${plural(bound, 'item')}${count}`;
    }
    case 'string':
      if (small && bound === 1 && !issue.exact) return `expected a non-empty string${got}`;
      return `expected ${issue.exact ? 'exactly' : small ? 'at least' : 'at most'} ${plural(bound, 'character')}${got}`;
    default:
      return issue.message;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function expectedType(expected: string, value: unknown): string {
  if (expected === 'number' && typeof value === 'number') return 'a finite number';
  const names: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'a string',
    boolean: 'true or false',
    array: 'a list',
    tuple: 'a list',
    object: 'a map',
    record: 'a map',
    map: 'a map',
  };
  return names[expected] ?? `a ${expected}`;
}

/** A value as the author would recognise it from the YAML they wrote. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a map';
  return String(value as string | number | boolean | null | undefined);
}
