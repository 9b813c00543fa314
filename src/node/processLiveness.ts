/**
 * Whether a process still runs. Signal 0 checks without signalling; EPERM means it exists but
 * belongs to someone else. Used by the trainer (a resume must not race a live trainer) and the host
 * (a run whose trainer is gone is not live).
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
