// Starts throwaway redis-server child processes (no persistence, 127.0.0.1 only) for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.js';
import { onProcessExit } from './process-cleanup.js';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Terminates the server and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts a new (empty) server on the same port. */
  start(): Promise<void>;
  /** Stops the server and deletes its temp dir; unusable afterwards. */
  destroy(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_PORT_ATTEMPTS = 3;
const LOG_LINES = 40;

/** Looks up redis-server on PATH (and the usual system locations). */
export function findRedisBin(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return null;
}

interface LiveRedis {
  dir: string;
  child: ChildProcess | null;
}

const live = new Set<LiveRedis>();

// 'exit' handlers must be synchronous: SIGKILL is enough since the server holds no data worth keeping.
function cleanupAllSync(): void {
  for (const r of live) {
    if (r.child && r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    r.child = null;
    rmSync(r.dir, { recursive: true, force: true });
  }
  live.clear();
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Starts redis-server on a free 127.0.0.1 port and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const bin = findRedisBin();
  if (!bin) throw new Error('redis-server not found on PATH');
  const dir = await mkdtemp(join(tmpdir(), 'recur-redis-'));
  const state: LiveRedis = { dir, child: null };
  live.add(state);
  onProcessExit(cleanupAllSync);

  const log: string[] = [];
  const pushLog = (chunk: Buffer): void => {
    log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (log.length > LOG_LINES) log.splice(0, log.length - LOG_LINES);
  };
  const failure = (msg: string): Error =>
    new Error(`${msg}\n--- redis-server log tail ---\n${log.join('\n') || '(no output)'}`);

  const stop = async (): Promise<void> => {
    const child = state.child;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
    state.child = null;
  };

  const launch = async (port: number): Promise<void> => {
    log.length = 0;
    // --dir keeps any accidental SAVE/BGSAVE dump out of the working tree.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir];
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    state.child = child;
    child.stdout?.on('data', pushLog);
    child.stderr?.on('data', pushLog);
    // Don't let a forgotten server keep the test process alive; the exit hook kills it.
    child.unref();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    const spawned: { error?: Error } = {};
    child.once('error', (err) => {
      spawned.error = err;
    });

    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawned.error) {
        state.child = null;
        throw failure(`could not spawn ${bin}: ${spawned.error.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        state.child = null;
        throw failure(`redis-server on port ${port} exited during startup (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        await stop();
        throw failure(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS / 1000}s`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const destroy = async (): Promise<void> => {
    if (!live.has(state)) return;
    await stop();
    live.delete(state);
    await rm(dir, { recursive: true, force: true });
  };

  let port = 0;
  try {
    // freePort() can race with other processes grabbing the port, so retry bind failures.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await launch(port);
        break;
      } catch (err) {
        const bindFailed = /address already in use|could not create server tcp listening socket/i.test(
          err instanceof Error ? err.message : '',
        );
        if (!bindFailed || attempt >= MAX_PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      if (!live.has(state)) throw new Error('RedisServer.start() after destroy()');
      if (!state.child) await launch(port);
    },
    destroy,
  };
}
