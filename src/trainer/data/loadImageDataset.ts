import { Random } from '../../shared/random';
import type { ImageDatasetSpec } from '../../shared/experiment/schema';
import { UserError } from '../errors';
import type { DecodeTarget } from './decodeImage';
import { ImageSplit } from './imageSplit';
import { decodeImageSource, scanImageSource, type DecodedImages, type ScannedSource } from './imageSource';
import { PixelBlob } from './pixelBlob';
import { pixelScaleTable } from './pixelScale';
import { SkipLog } from './skipLog';
import { splitStratified } from './split';
import { splitReport } from './splitReport';
import type { LoadContext, LoadedDataset } from './types';

/**
 * Loads a class-per-subfolder image dataset: decodes (or finds in the decode cache) every image,
 * then splits it or pairs it with a separate validation folder.
 */
export async function loadImageDataset(spec: ImageDatasetSpec, ctx: LoadContext): Promise<LoadedDataset> {
  if (ctx.task === 'regression') {
    throw new UserError(
      `${ctx.place('head')}: dataset "${spec.name}" is an image folder, whose labels are classes, but its head is a regression head`,
      'Train image datasets on a classification head.',
    );
  }
  const target: DecodeTarget = { height: spec.image.size[0], width: spec.image.size[1], channels: spec.image.channels };
  const trainSource = await scanImageSource({ field: 'path', written: spec.path, reportPrefix: '' }, spec.name, ctx);
  const validationSource =
    'path' in spec.validation
      ? await scanImageSource(
          { field: 'validation.path', written: spec.validation.path, reportPrefix: `${spec.validation.path.replace(/\\/g, '/').replace(/\/+$/, '')}/` },
          spec.name,
          ctx,
        )
      : undefined;
  const progress = combinedProgress([trainSource, validationSource], ctx.onProgress);
  const skips = new SkipLog();
  const train = await decodeImageSource(trainSource, target, spec.name, ctx, skips, progress(0));
  const validation = validationSource && (await decodeImageSource(validationSource, target, spec.name, ctx, skips, progress(1)));

  const samples = validation
    ? { train: { labels: train.labels, slots: train.slots }, validation: relabel(validation, train.classes, spec.name, ctx) }
    : splitSource(train, 'split' in spec.validation ? spec.validation.split : 0, spec.name, ctx.seed);
  if (samples.validation.labels.length === 0) {
    throw new UserError(
      `${ctx.place(validation ? 'validation.path' : 'validation.split')}: dataset "${spec.name}" has no validation samples`,
      validation ? 'Add images to the validation folder.' : 'Add images, or raise validation.split so each class holds out at least one.',
    );
  }

  const sampleShape = [target.height, target.width, target.channels];
  const scale = pixelScaleTable(spec.image.scale);
  const trainBlob = new PixelBlob(train.blobPath, target.height * target.width * target.channels);
  const validationBlob = validation ? openBeside(trainBlob, validation.blobPath) : trainBlob;
  return {
    name: spec.name,
    classes: train.classes,
    train: new ImageSplit(trainBlob, samples.train.slots, samples.train.labels, sampleShape, scale),
    validation: new ImageSplit(validationBlob, samples.validation.slots, samples.validation.labels, sampleShape, scale),
    report: {
      name: spec.name,
      type: 'images',
      train: splitReport(samples.train.labels, train.classes),
      validation: splitReport(samples.validation.labels, train.classes),
      skipped: skips.toReport(),
      sampleShape,
      fromCache: train.fromCache && (validation?.fromCache ?? true),
    },
    close() {
      trainBlob.close();
      validationBlob.close();
    },
  };
}

/** Opens a second blob of the same sample size, closing `first` if that fails so no descriptor leaks. */
function openBeside(first: PixelBlob, blobPath: string): PixelBlob {
  try {
    return new PixelBlob(blobPath, first.sampleBytes);
  } catch (error) {
    first.close();
    throw error;
  }
}

interface SplitSamples {
  labels: Int32Array;
  slots: Int32Array;
}

function splitSource(source: DecodedImages, fraction: number, datasetName: string, seed: number): { train: SplitSamples; validation: SplitSamples } {
  const indices = splitStratified(source.labels, source.classes.length, fraction, new Random(seed).fork(`split:${datasetName}`));
  const pick = (chosen: number[]): SplitSamples => ({
    labels: Int32Array.from(chosen, (i) => source.labels[i] as number),
    slots: Int32Array.from(chosen, (i) => source.slots[i] as number),
  });
  return { train: pick(indices.train), validation: pick(indices.validation) };
}

/** Maps a validation folder's labels onto the training classes, which must include all of its classes. */
function relabel(validation: DecodedImages, trainClasses: readonly string[], datasetName: string, ctx: LoadContext): SplitSamples {
  const trainIndex = new Map(trainClasses.map((name, i) => [name, i]));
  const unknown = validation.classes.find((name) => !trainIndex.has(name));
  if (unknown !== undefined) {
    throw new UserError(
      `${ctx.place('validation.path')}: dataset "${datasetName}": class "${unknown}" is in the validation folder but not in the training folder ` +
        `(training classes: ${trainClasses.join(', ')})`,
      'Rename or remove that validation subfolder, or add the class to the training folder.',
    );
  }
  const mapped = validation.classes.map((name) => trainIndex.get(name) ?? -1);
  return { labels: validation.labels.map((label) => mapped[label] ?? -1), slots: validation.slots };
}

/** Reports decoding of all sources as one progress from 0 to their summed image count. */
function combinedProgress(sources: ReadonlyArray<ScannedSource | undefined>, onProgress: LoadContext['onProgress']) {
  const sizes = sources.map((source) => source?.folder.images.length ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  return (which: number) => {
    const before = sizes.slice(0, which).reduce((a, b) => a + b, 0);
    return (done: number) => onProgress?.(before + done, total);
  };
}
