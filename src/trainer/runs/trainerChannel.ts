/**
 * The run's local channel: a Unix socket (a named pipe on Windows) that any number of hosts may
 * connect to over the run's life — a window reload drops one connection and opens another. Each
 * connection gets a `hello`, then every live message as a JSON line; the lines it sends are
 * commands. Clients never affect training: one that is gone, or too slow to read, is dropped and
 * can reconnect (the run folder has everything it missed).
 */
import { lstatSync, rmSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { TrainerMessage } from '../../shared/protocol/trainerMessages';
import { UserError } from '../errors';

export interface ChannelOptions {
  path: string;
  /** Built for each new connection, so it carries the run's status when the client arrives. */
  hello: () => TrainerMessage;
  /** Each connection is also a stream of commands (JSON lines); the receiver validates them. */
  onConnection: (socket: Socket) => void;
}

/** Messages a client has not read yet; past this it is not keeping up and is disconnected. */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;
/** How long a client may take to close its side once the trainer has said its last word. */
const CLOSE_GRACE_MS = 1000;

export class TrainerChannel {
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly server: Server,
  ) {}

  /** Listens on `options.path`, replacing a socket file left behind by a process that died. */
  static async open(options: ChannelOptions): Promise<TrainerChannel> {
    await removeStaleSocket(options.path);
    const server = createServer();
    const channel = new TrainerChannel(options.path, server);
    server.on('connection', (socket) => channel.accept(socket, options));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      listenPrivately(server, options.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Once listening, a failed accept (too many open files) costs one client, never the run.
    server.on('error', () => undefined);
    process.on('exit', channel.removeSocketFile);
    return channel;
  }

  /** Sends to every connected client; one that cannot take it is dropped. */
  send(message: TrainerMessage): void {
    const line = `${JSON.stringify(message)}\n`;
    this.sockets.forEach((socket) => write(socket, line));
  }

  /** Lets clients read what was sent, ends every connection, stops listening and removes the socket file. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => {
        this.removeSocketFile();
        process.off('exit', this.removeSocketFile);
        resolve();
      });
      this.sockets.forEach((socket) => {
        socket.end();
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      });
    });
    return this.closing;
  }

  private accept(socket: Socket, options: ChannelOptions): void {
    // A client that vanishes mid-write raises EPIPE/ECONNRESET here; it must not reach the run.
    socket.on('error', () => socket.destroy());
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    write(socket, `${JSON.stringify(options.hello())}\n`);
    options.onConnection(socket);
  }

  /** Also runs from a process `exit` listener (a second Ctrl-C), so it is synchronous. */
  private readonly removeSocketFile = (): void => {
    if (process.platform !== 'win32') rmSync(this.path, { force: true });
  };
}

/**
 * Listens with a socket file that only this user may connect to from the moment it exists: a
 * chmod after `listen` would leave a window in which, under a permissive umask, another local
 * user could connect and send commands. Node binds the socket within the `listen` call, so a
 * umask set around that call alone applies to it.
 */
function listenPrivately(server: Server, path: string, listening: () => void): void {
  if (process.platform === 'win32') {
    server.listen(path, listening);
    return;
  }
  const previous = process.umask(0o177);
  try {
    server.listen(path, listening);
  } finally {
    process.umask(previous);
  }
}

function write(socket: Socket, line: string): void {
  if (socket.destroyed || !socket.writable) return;
  if (socket.writableLength > MAX_UNREAD_BYTES) {
    socket.destroy();
    return;
  }
  socket.write(line);
}

/**
 * Only a dead socket is removed: one that still answers belongs to a live run with the same id
 * (channel paths depend on the id alone), and anything else at the path is left for `listen` to
 * report.
 */
async function removeStaleSocket(path: string): Promise<void> {
  if (process.platform === 'win32' || !lstatSync(path, { throwIfNoEntry: false })?.isSocket()) return;
  if (await answers(path)) {
    throw new UserError(`another trainer is listening on ${path}: a live run has the same id`, 'choose another --run-id, or leave it out to get a new one');
  }
  unlinkSync(path);
}

/** A socket file whose process died refuses connections at once; a live one accepts (its backlog does, even when busy). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
