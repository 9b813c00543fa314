/**
 * The channel's socket is private from the moment it exists: under a permissive umask (000), a
 * socket made private only after `listen` could be connected to by another local user in between.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TrainerChannel } from '../../../src/trainer/runs/trainerChannel';

test(
  'the channel socket is created readable and writable by its owner only, even under umask 000',
  { skip: process.platform === 'win32' && 'named pipes have no file mode' },
  async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'jt-')), 'private.sock');
    const modesAtBind: number[] = [];
    // Node binds the socket inside `listen`: its mode right after that call is the mode it was born with.
    const listen = Reflect.get(Server.prototype, 'listen') as (this: Server, ...args: unknown[]) => Server;
    Server.prototype.listen = function (this: Server, ...args: unknown[]) {
      const server = listen.apply(this, args);
      modesAtBind.push(statSync(path).mode & 0o777);
      return server;
    } as Server['listen'];
    const umask = process.umask(0);
    try {
      const channel = await TrainerChannel.open({ path, hello: () => ({ type: 'status', status: 'running' }) as never, onConnection: () => undefined });
      assert.deepEqual(modesAtBind, [0o600]);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(process.umask(0), 0, 'the umask is restored after listening');
      await channel.close();
    } finally {
      process.umask(umask);
      Server.prototype.listen = listen as Server['listen'];
    }
  },
);
