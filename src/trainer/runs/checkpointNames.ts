/** A checkpoint's folder name, `epoch-NNNN`, is its epoch: defined here, read back only here. */
export function checkpointName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

/** The epoch of a checkpoint folder's name, or undefined for any other name. */
export function checkpointEpoch(name: string): number | undefined {
  const match = /^epoch-(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
