import type { DatasetSpec } from '../../shared/experiment/schema';
import { loadCsvDataset } from './loadCsvDataset';
import { loadImageDataset } from './loadImageDataset';
import type { LoadContext, LoadedDataset } from './types';

export function loadDataset(spec: DatasetSpec, ctx: LoadContext): Promise<LoadedDataset> {
  switch (spec.type) {
    case 'images':
      return loadImageDataset(spec, ctx);
    case 'csv':
      return loadCsvDataset(spec, ctx);
  }
}
