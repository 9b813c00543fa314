import type { DatasetReport } from '../../shared/runs/format';

/**
 * One split (train or validation) of a loaded dataset. Samples are read on demand so memory does
 * not grow with the number of images: image pixels live in an on-disk decode cache.
 */
export interface DataSplit {
  readonly size: number;
  /** Shape of one sample without the batch dimension: [h, w, c] for images, [features] for CSV. */
  readonly sampleShape: readonly number[];
  /**
   * Per sample: for classification, the index into `LoadedDataset.classes`; for regression, the
   * numeric target.
   */
  readonly labels: Int32Array | Float32Array;
  /** Scaled features of the given samples, concatenated in order (indices.length × prod(sampleShape)). */
  readBatch(indices: readonly number[]): Float32Array;
}

export interface LoadedDataset {
  readonly name: string;
  /** Sorted class names of this dataset; empty for regression. */
  readonly classes: readonly string[];
  readonly train: DataSplit;
  readonly validation: DataSplit;
  /** The report written to run.json (head, stem and task are filled by the caller). */
  readonly report: Omit<DatasetReport, 'head' | 'stem' | 'task'>;
  /** Releases file handles. */
  close(): void;
}

export interface LoadContext {
  /** Folder of the experiment file; dataset paths are relative to it. */
  experimentDir: string;
  /** Folder for the decode cache, e.g. `<workspace>/.jointrain/cache`. */
  cacheDir: string;
  seed: number;
  task: 'classification' | 'regression';
  /** Formats a field of this dataset in the experiment file as `file:line:col datasets[i].field`. */
  place: (field: string) => string;
  /**
   * Evaluation (CSV): this file, absolute, is read as the held-out split in place of the validation
   * set, while the training split is the configured one, so new rows are standardised with the
   * statistics the model trained with.
   */
  heldOut?: string;
  /** Called as decoding progresses, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}
