import { isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLError } from 'yaml';
import type { ExperimentIssue } from './issues';
import { ExperimentLocator } from './locate';
import { applyOverrides, type AppliedOverride, type ExperimentOverride } from './overrides';
import { ExperimentSchema, type Experiment } from './schema';
import { explainSchemaIssues } from './schemaIssues';
import { checkExperimentSemantics } from './semantics';

export interface ParsedExperiment {
  /** The validated experiment with defaults applied; present only when no issue is an error. */
  experiment?: Experiment;
  /** Errors and warnings, each positioned in the file. */
  issues: ExperimentIssue[];
  /** The YAML document with node ranges, for editor features. */
  document: Document.Parsed;
  /** Positions of fields in this file, for issues found later (e.g. on the filesystem). */
  locator: ExperimentLocator;
}

/**
 * Parses and validates an experiment file: YAML syntax, then the schema, then the checks across
 * fields. Each stage runs only when the previous one found no error, so one mistake is reported
 * once, in its own words.
 */
export function parseExperiment(text: string, file: string, overrides: readonly ExperimentOverride[] = []): ParsedExperiment {
  // logLevel 'error': what YAML would print as a warning (a collection as a key) is an issue of the file instead.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const lineCounter = lineStartsOf(text);
  const locator = new ExperimentLocator(document, lineCounter, file);
  const parsed = (issues: ExperimentIssue[], experiment?: Experiment): ParsedExperiment => ({ experiment, issues: sortIssues(issues), document, locator });

  const syntax = [...yamlIssues(document, locator, text), ...duplicateKeys(document, locator), ...unknownAliases(document, locator)];
  if (syntax.some(isError)) return parsed(syntax);

  const { applied, problems: unusable } = applyOverrides(document, overrides);
  if (unusable.length > 0) return parsed([...syntax, ...unusable.map((message) => locator.issueAt([0, 0], [], message))]);

  const data = documentData(document);
  if (data instanceof Error) return parsed([...syntax, locator.issueAt([0, 0], [], `invalid YAML: ${data.message}`)]);
  const result = ExperimentSchema.safeParse(data);
  if (!result.success) {
    const problems = explainSchemaIssues(ExperimentSchema, result.error.issues, data);
    const issues = problems.map((problem) => locator.issue(problem.path, problem.message, 'error', problem.target));
    return parsed([...syntax, ...noteOverrides(issues, applied)]);
  }
  const issues = [...syntax, ...noteOverrides(checkExperimentSemantics(result.data, locator), applied)];
  return parsed(issues, issues.some(isError) ? undefined : result.data);
}

/** An issue about an overridden value names the override, since the file does not hold that value. */
function noteOverrides(issues: readonly ExperimentIssue[], applied: readonly AppliedOverride[]): ExperimentIssue[] {
  return issues.map((issue) => {
    const override = applied.find(({ path }) => path.every((part, index) => String(issue.path[index]) === String(part)));
    return override ? { ...issue, message: `${issue.message} (set by override ${override.label})` } : issue;
  });
}

/** The plain data of the document; an Error when aliases expand beyond yaml's limit (a "billion laughs" file). */
function documentData(document: Document.Parsed): unknown {
  try {
    return document.toJS();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * The line starts of `text`. yaml's own LineCounter, filled while parsing, misses the line breaks
 * inside some malformed tokens (after a stray directive, say), which would place later issues on
 * an earlier line, past its end.
 */
function lineStartsOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', end + 1)) lines.addNewLine(end + 1);
  return lines;
}

export function isError(issue: ExperimentIssue): boolean {
  return issue.severity === 'error';
}

/** Issues in the order they appear in the file (stable for issues at the same place). */
export function sortIssues(issues: readonly ExperimentIssue[]): ExperimentIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

function yamlIssues(document: Document.Parsed, locator: ExperimentLocator, text: string): ExperimentIssue[] {
  const toIssue = (problem: YAMLError, severity: ExperimentIssue['severity']): ExperimentIssue => {
    const explained = explainIndentation(problem, text);
    const range = explained?.range ?? problem.pos;
    return locator.issueAt(range, [], `${severity === 'error' ? 'invalid YAML' : 'YAML'}: ${explained?.message ?? yamlMessage(problem)}`, severity);
  };
  // A tab throws the parser off for the lines after it too: the tabs are the mistakes to report.
  const tabs = document.errors.filter((error) => error.code === 'TAB_AS_INDENT');
  const errors = tabs.length > 0 ? tabs : document.errors;
  const issues = [...errors.map((error) => toIssue(error, 'error')), ...document.warnings.map((warning) => toIssue(warning, 'warning'))];
  // One mistake often makes the parser say several things about one line: the first is the one to read.
  return issues.filter((issue, i) => issues.findIndex((other) => other.line === issue.line && other.severity === issue.severity) === i);
}

function yamlMessage(problem: YAMLError): string {
  if (problem.code === 'MULTIPLE_DOCS') return 'the file holds several documents (separated by `---`); an experiment file holds one';
  return problem.message.charAt(0).toLowerCase() + problem.message.slice(1);
}

/** Where a line starts and how far it is indented, by offset into the text. */
function lineAround(text: string, offset: number): { start: number; end: number; indent: number } {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const newline = text.indexOf('\n', start);
  const end = newline < 0 ? text.length : newline;
  return { start, end, indent: /^[ ]*/.exec(text.slice(start, end))?.[0].length ?? 0 };
}

/**
 * The usual indentation mistakes in words a user knows, at the line that has them. A key indented
 * one space too far makes the parser complain about the line *before* it ("nested mappings are not
 * allowed in compact mappings"); a tab makes it complain about tabs in general.
 */
function explainIndentation(problem: YAMLError, text: string): { range: [number, number]; message: string } | undefined {
  if (problem.code === 'TAB_AS_INDENT') {
    const line = lineAround(text, problem.pos[0]);
    return { range: [line.start, line.end], message: 'this line is indented with a tab: YAML indents with spaces only — replace the tab with spaces' };
  }
  if (problem.code !== 'BLOCK_AS_IMPLICIT_KEY' && problem.code !== 'MULTILINE_IMPLICIT_KEY') return undefined;
  const above = lineAround(text, problem.pos[0]);
  const aboveText = text.slice(above.start, above.end);
  // The column where the keys of the mapping above start: after a `- ` of a list item, if any.
  const keyColumn = above.indent + (/^\s*- /.test(aboveText) ? 2 : 0);
  let next = above.end + 1;
  while (next < text.length && text.slice(next, lineAround(text, next).end).trim() === '') next = lineAround(text, next).end + 1;
  if (next >= text.length) return undefined;
  const line = lineAround(text, next);
  if (line.indent <= keyColumn) return undefined;
  return {
    range: [line.start + line.indent, line.end],
    message: `this line is indented by ${line.indent} spaces where the keys above it start at ${keyColumn}: keys of one mapping line up — indent it by ${keyColumn}`,
  };
}

/** Duplicate keys are found here rather than by the parser so that the whole key is underlined. */
function duplicateKeys(document: Document.Parsed, locator: ExperimentLocator): ExperimentIssue[] {
  const issues: ExperimentIssue[] = [];
  visit(document, {
    Map(_, map, ancestors) {
      const seen = new Map<string, Node>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        const first = seen.get(key);
        if (!first) {
          seen.set(key, pair.key);
          continue;
        }
        const firstLine = locator.lineAt(first.range?.[0] ?? 0);
        const path = [...fieldPath(ancestors, map), key];
        issues.push(locator.issueAt([pair.key.range[0], pair.key.range[1]], path, `duplicate key \`${key}\` (first on line ${firstLine}): remove one of them`));
      }
    },
  });
  return issues;
}

function unknownAliases(document: Document.Parsed, locator: ExperimentLocator): ExperimentIssue[] {
  const issues: ExperimentIssue[] = [];
  visit(document, {
    Alias(_, alias, ancestors) {
      if (alias.resolve(document) || !alias.range) return;
      const message = `unknown alias \`*${alias.source}\`: define the anchor \`&${alias.source}\` before using it`;
      issues.push(locator.issueAt([alias.range[0], alias.range[1]], fieldPath(ancestors, alias), message));
    },
  });
  return issues;
}

/** The field path of `node` from the ancestors `visit` reports. */
function fieldPath(ancestors: ReadonlyArray<Document | Node | Pair>, node: Node): Array<string | number> {
  const path: Array<string | number> = [];
  ancestors.forEach((ancestor, index) => {
    const child = ancestors[index + 1] ?? node;
    if (isPair(ancestor) && isScalar(ancestor.key) && ancestor.value === child) path.push(String(ancestor.key.value));
    if (isSeq(ancestor)) path.push(ancestor.items.indexOf(child));
  });
  return path;
}
