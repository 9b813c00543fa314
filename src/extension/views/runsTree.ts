/**
 * The Runs view as plain data: runs grouped by experiment, newest first, each expanding to its
 * datasets with their latest numbers. The VS Code adapter only maps these nodes to TreeItems.
 */
import { backendWords } from '../../shared/runs/backendWords';
import { modelChoiceText } from '../../shared/runs/modelChoice';
import { emptyTimeline, foldTimeline } from '../../shared/panel/timeline';
import { epochProgress } from '../../shared/runs/epochProgress';
import type { RunStatus } from '../../shared/runs/format';
import type { RunSummary } from '../runs/runSummary';

/** How many of a run's newest events its tooltip lists. */
const TOOLTIP_EVENTS = 5;

export interface DatasetNode {
  kind: 'dataset';
  id: string;
  label: string;
  description: string;
}

export interface RunNode {
  kind: 'run';
  id: string;
  runId: string;
  dir: string;
  status: RunStatus;
  label: string;
  description: string;
  tooltip: string;
  /** `run.<status>`: menus show Pause on running runs, Resume on paused ones, and so on. */
  contextValue: string;
  children: DatasetNode[];
}

export interface ExperimentNode {
  kind: 'experiment';
  id: string;
  label: string;
  description: string;
  children: RunNode[];
}

export type RunsTreeNode = ExperimentNode | RunNode | DatasetNode;

const pct = (value: number | null | undefined) => (typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : undefined);
const num = (value: number | null | undefined, digits = 3) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : undefined);

export function buildRunsTree(runs: readonly RunSummary[], formatTime: (iso: string) => string = localTime): ExperimentNode[] {
  const groups = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const key = run.record.experimentPath || run.record.experimentName;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.entries()]
    .map(([key, members]): ExperimentNode => {
      const sorted = [...members].sort(
        (a, b) => b.record.timings.startedAt.localeCompare(a.record.timings.startedAt) || b.record.id.localeCompare(a.record.id),
      );
      return {
        kind: 'experiment',
        id: `experiment:${key}`,
        label: sorted[0]?.record.experimentName ?? key,
        description: `${members.length} run${members.length === 1 ? '' : 's'}`,
        children: sorted.map((run) => runNode(run, formatTime)),
      };
    })
    .sort((a, b) => (b.children[0]?.runId ?? '').localeCompare(a.children[0]?.runId ?? '') || a.label.localeCompare(b.label));
}

function runNode(run: RunSummary, formatTime: (iso: string) => string): RunNode {
  const { record } = run;
  const parts = [
    epochProgress({ status: record.status, ...record.epochs, ...(run.lastStep ? { current: run.lastStep.epoch } : {}) }),
    record.best ? `best ${record.best.monitor} ${num(record.best.value)}` : undefined,
    record.backend?.name,
  ].filter((part): part is string => part !== undefined);
  const tooltip = [
    `${record.experimentName} — ${record.id}`,
    `status: ${record.status}${record.error ? ` (${record.error})` : ''}`,
    `started: ${formatTime(record.timings.startedAt)}${record.timings.endedAt ? `, ended: ${formatTime(record.timings.endedAt)}` : ''}`,
    record.backend ? `backend: ${backendWords(record.backend)}` : undefined,
    modelChoiceText(record.model),
    ...testLines(record),
    `folder: ${run.dir}`,
    ...recentEventLines(run),
  ].filter((line): line is string => line !== undefined);
  return {
    kind: 'run',
    id: `run:${run.dir}`,
    runId: record.id,
    dir: run.dir,
    status: record.status,
    label: formatTime(record.timings.startedAt),
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    contextValue: `run.${record.status}`,
    children: datasetNodes(run),
  };
}

/** The test splits the run's model was evaluated on: `test small: accuracy 91.2%, macro-F1 0.90`. */
function testLines(record: RunSummary['record']): string[] {
  return Object.entries(record.test ?? {}).map(([name, result]) =>
    result.accuracy !== undefined
      ? `test ${name}: accuracy ${pct(result.accuracy) ?? '–'}, macro-F1 ${num(result.macroF1) ?? '–'}`
      : `test ${name}: MAE ${num(result.mae) ?? '–'}`,
  );
}

function datasetNodes(run: RunSummary): DatasetNode[] {
  const names = run.record.datasets.length > 0 ? run.record.datasets.map((d) => d.name) : Object.keys(run.lastEpoch?.datasets ?? run.lastStep?.datasets ?? {});
  return names.map((name) => {
    const epoch = run.lastEpoch?.datasets[name];
    const step = run.lastStep?.datasets[name];
    const parts = epoch
      ? [
          `val loss ${num(epoch.valLoss)}`,
          epoch.valAccuracy != null ? `acc ${pct(epoch.valAccuracy)}` : epoch.valMae != null ? `mae ${num(epoch.valMae)}` : undefined,
        ]
      : step
        ? [`loss ${num(step.loss)}`, step.accuracy !== undefined ? `acc ${pct(step.accuracy)}` : undefined]
        : ['no metrics yet'];
    return { kind: 'dataset', id: `dataset:${run.dir}:${name}`, label: name, description: parts.filter(Boolean).join(' · ') };
  });
}

function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The newest few of what happened, in the panel timeline's words (old values unknown here, so no old → new). */
function recentEventLines(run: RunSummary): string[] {
  const timeline = emptyTimeline({ sampling: {}, loss: {} });
  for (const event of run.recentEvents ?? []) foldTimeline(timeline, event);
  const entries = timeline.entries.slice(-TOOLTIP_EVENTS);
  return entries.length === 0
    ? []
    : ['recent events:', ...entries.map((entry) => `  ${entry.epoch === undefined ? '' : `epoch ${entry.epoch}: `}${entry.summary}`)];
}
