/**
 * Node's system errors (ENOSPC, EACCES, …) as a user reads them: what happened to which path, and
 * what to do. The CLI prints them as one line and a hint instead of an internal error with a stack.
 */
import { UserError } from './errors';

interface Meaning {
  what: string;
  fix: string;
}

const MEANINGS: Record<string, Meaning> = {
  ENOSPC: { what: 'the disk is full', fix: 'free some space' },
  EDQUOT: { what: 'the disk quota is used up', fix: 'free some space or raise the quota' },
  EROFS: { what: 'the file system is read-only', fix: 'use a writable folder (--runs-dir, --cache-dir)' },
  EACCES: { what: 'permission denied', fix: 'make it writable for this user, or use another folder (--runs-dir, --cache-dir)' },
  EPERM: { what: 'operation not permitted', fix: 'make it writable for this user, or use another folder (--runs-dir, --cache-dir)' },
  EIO: { what: 'an input/output error', fix: 'check the disk (dmesg), then try again' },
  ENOENT: { what: 'no such file or folder', fix: 'check the path' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', fix: 'check the path' },
  EISDIR: { what: 'a folder where a file was expected', fix: 'check the path' },
  EEXIST: { what: 'already exists', fix: 'remove it or choose another name' },
  ENAMETOOLONG: { what: 'the path is too long', fix: 'use a shorter path' },
  ELOOP: { what: 'too many symbolic links', fix: 'check the path for a link that points to itself' },
  EMFILE: { what: 'too many open files', fix: 'raise the limit (ulimit -n) and try again' },
  ENFILE: { what: 'too many open files on this system', fix: 'close other programs or raise the system limit, then try again' },
};

/** What a system error means ("the disk is full"), or undefined for any other error. */
export function systemErrorMeaning(error: unknown): string | undefined {
  const { code } = (error ?? {}) as NodeJS.ErrnoException;
  return code === undefined ? undefined : MEANINGS[code]?.what;
}

/** The one-line description of a system error and its fix, or undefined for any other error. */
export function describeSystemError(error: unknown): { message: string; fix: string } | undefined {
  const { code, path, dest } = (error ?? {}) as NodeJS.ErrnoException & { dest?: string };
  const meaning = code === undefined ? undefined : MEANINGS[code];
  if (meaning === undefined) return undefined;
  const where = path ?? dest;
  return { message: `${where === undefined ? '' : `${where}: `}${meaning.what} (${code})`, fix: meaning.fix };
}

/**
 * A system error met by a run, as a user error whose hint says how to go on: with `jointrain resume`
 * when the run folder holds a checkpoint to continue from. Any other error is returned as it is.
 */
export function runSystemError(error: unknown, run: { dir: string; resumable: boolean } | undefined): unknown {
  const described = describeSystemError(error);
  if (described === undefined) return error;
  const next = run?.resumable ? `then continue the run with \`jointrain resume ${run.dir}\`` : 'then run it again';
  return new UserError(described.message, `${described.fix}, ${next}`);
}
