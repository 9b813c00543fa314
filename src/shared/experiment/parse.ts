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
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  const lineCounter = lineStartsOf(text);
  const locator = new ExperimentLocator(document, lineCounter, file);
  const parsed = (issues: ExperimentIssue[], experiment?: Experiment): ParsedExperiment => ({ experiment, issues: sortIssues(issues), document, locator });

  const syntax = [...yamlIssues(document, locator), ...duplicateKeys(document, locator), ...unknownAliases(document, locator)];
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

function yamlIssues(document: Document.Parsed, locator: ExperimentLocator): ExperimentIssue[] {
  const toIssue = (problem: YAMLError, severity: ExperimentIssue['severity']): ExperimentIssue =>
    locator.issueAt(problem.pos, [], `${severity === 'error' ? 'invalid YAML' : 'YAML'}: ${yamlMessage(problem)}`, severity);
  return [...document.errors.map((error) => toIssue(error, 'error')), ...document.warnings.map((warning) => toIssue(warning, 'warning'))];
}

function yamlMessage(problem: YAMLError): string {
  if (problem.code === 'MULTIPLE_DOCS') return 'the file holds several documents (separated by `---`); an experiment file holds one';
  return problem.message.charAt(0).toLowerCase() + problem.message.slice(1);
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
