/**
 * What `jointrain validate --data` prints of the data it read: a line per dataset that a run could
 * read (sizes, classes, what it would skip), and the problems a run would stop on, in order.
 */
import type { DatasetReading, DataReading } from '../data/experimentData';
import type { UserError } from '../errors';
import { integer } from './format';

/** "clean: 2,400 train / 600 validation, 10 classes, 2 files skipped (first: a/x.png: empty file (0 bytes))". */
export function datasetReadingLine(reading: Extract<DatasetReading, { report: unknown }>): string {
  const { report } = reading;
  const classes = Object.keys(report.train.classes).length;
  const unit = report.type === 'csv' ? 'row' : 'file';
  const [first] = report.skipped.items;
  const skipped =
    report.skipped.count === 0
      ? ''
      : `, ${integer(report.skipped.count)} ${unit}${report.skipped.count === 1 ? '' : 's'} skipped${first ? ` (first: ${first.file}: ${first.reason})` : ''}`;
  return [
    `${reading.name}: ${integer(report.train.size)} train / ${integer(report.validation.size)} validation`,
    classes > 0 ? `, ${classes} classes` : ', regression',
    report.fromCache ? ' (decoded images from the cache)' : '',
    skipped,
  ].join('');
}

/** Every problem a run would stop on, in the file's order of datasets, then the one between them. */
export function dataProblems(reading: DataReading): UserError[] {
  const problems = reading.datasets.flatMap((dataset) => ('problem' in dataset ? [dataset.problem] : []));
  return reading.problem === undefined ? problems : [...problems, reading.problem];
}
