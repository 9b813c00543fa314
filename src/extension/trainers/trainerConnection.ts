/**
 * One connection to a live trainer's channel: validated messages in, commands out. A window
 * reload drops it; the next window opens a new one (the trainer accepts any number).
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { TrainerCommand } from '../../shared/protocol/trainerCommands';
import { parseTrainerMessage, type TrainerMessage } from '../../shared/protocol/trainerMessages';

export interface ConnectionHandlers {
  onMessage: (message: TrainerMessage) => void;
  /** A line that is not a valid message; it is dropped, never acted on. */
  onInvalid: (reason: string) => void;
  onClose: () => void;
}

export class TrainerConnection {
  private closed = false;

  private constructor(private readonly socket: Socket) {}

  static open(path: string, handlers: ConnectionHandlers, timeoutMs = 5000): Promise<TrainerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer from the trainer's channel ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const connection = new TrainerConnection(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          connection.closed = true;
          handlers.onClose();
        });
        // readline re-raises its input's errors: without this listener a trainer dying mid-line
        // would be an uncaught exception in the extension host.
        const lines = createInterface({ input: socket });
        lines.on('error', () => socket.destroy());
        lines.on('line', (line) => {
          const parsed = parseTrainerMessage(line);
          if (parsed.ok) handlers.onMessage(parsed.message);
          else handlers.onInvalid(`${parsed.error}: ${line.slice(0, 200)}`);
        });
        resolve(connection);
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(command: TrainerCommand): boolean {
    if (this.closed) return false;
    this.socket.write(`${JSON.stringify(command)}\n`);
    return true;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
