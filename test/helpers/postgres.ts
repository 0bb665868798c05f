// Starts throwaway PostgreSQL clusters (initdb + pg_ctl on a loopback port) for integration tests,
// and creates uniquely named databases in them so test files stay isolated.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { connectSql, type SqlClient } from './sql.js';
import { freePort } from './ports.js';
import { onProcessExit } from './process-cleanup.js';

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown; the cluster and its data stay on disk. */
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>;
  /** Immediate shutdown (crash-like, `-m immediate`); start() then runs crash recovery. */
  kill(): Promise<void>;
  /** Stops the server if running and deletes its temp dir; the server is unusable afterwards. */
  destroy(): Promise<void>;
}

export interface StartPostgresOptions {
  fsync?: boolean;
}

const SUPERUSER = 'postgres';
const START_TIMEOUT_S = 30;
const MAX_PORT_ATTEMPTS = 3;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function versionKey(dir: string): number[] {
  return dir.split(/[^0-9]+/).filter(Boolean).map(Number);
}

function compareVersionsDesc(a: string, b: string): number {
  const va = versionKey(a);
  const vb = versionKey(b);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const d = (vb[i] ?? 0) - (va[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Looks up a PostgreSQL binary on PATH, then in /usr/lib/postgresql/<highest version>/bin. */
export function findPostgresBin(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  let versions: string[];
  try {
    versions = readdirSync('/usr/lib/postgresql');
  } catch {
    return null;
  }
  for (const version of versions.sort(compareVersionsDesc)) {
    const candidate = join('/usr/lib/postgresql', version, 'bin', name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

// Debian's postgresql-common puts version-agnostic wrappers on PATH, so pg_ctl is taken from the
// directory initdb really lives in to guarantee both come from the same major version.
function findBins(): { initdb: string; pgCtl: string } {
  const initdb = findPostgresBin('initdb');
  if (!initdb) throw new Error('PostgreSQL initdb not found on PATH nor in /usr/lib/postgresql/*/bin');
  const sibling = join(dirname(realpathSync(initdb)), 'pg_ctl');
  const pgCtl = isExecutable(sibling) ? sibling : findPostgresBin('pg_ctl');
  if (!pgCtl) throw new Error('PostgreSQL pg_ctl not found next to initdb nor on PATH');
  return { initdb: realpathSync(initdb), pgCtl };
}

const asRoot = (): boolean => process.getuid?.() === 0;

// initdb and postgres refuse to run as root, so as root everything runs as the postgres OS user.
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot() ? ['runuser', ['-u', SUPERUSER, '--', bin, ...args]] : [bin, args];
}

interface RunError extends Error {
  stdout?: string;
  stderr?: string;
}

function run(bin: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = command(bin, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const e: RunError = new Error(
          `${[cmd, ...argv].join(' ')} failed: ${err.message.trim()}\n${stderr}${stdout}`.trim(),
        );
        e.stdout = stdout;
        e.stderr = stderr;
        reject(e);
      } else {
        resolve(stdout);
      }
    });
  });
}

function runSync(bin: string, args: string[], cwd: string): void {
  const [cmd, argv] = command(bin, args);
  execFileSync(cmd, argv, { cwd, stdio: 'ignore', timeout: 15_000 });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = (flag: string): Promise<number> =>
    new Promise((resolve, reject) => {
      execFile('id', [flag, SUPERUSER], { encoding: 'utf8' }, (err, stdout) => {
        if (err) {
          reject(
            new Error(
              `running as root but there is no '${SUPERUSER}' OS user to run initdb/pg_ctl as (install the postgresql package): ${err.message}`,
            ),
          );
        } else {
          resolve(Number(stdout.trim()));
        }
      });
    });
  return { uid: await id('-u'), gid: await id('-g') };
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

function confValue(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

interface LiveCluster {
  pgCtl: string;
  root: string;
  dataDir: string;
  running: boolean;
}

const live = new Set<LiveCluster>();

// Last-resort cleanup when the process goes away without teardown (Ctrl-C, vitest exiting early):
// 'exit' handlers must be synchronous, hence execFileSync/rmSync.
function cleanupAllSync(): void {
  for (const c of live) {
    // postmaster.pid rather than c.running: a start that timed out may still have left a postmaster.
    if (existsSync(join(c.dataDir, 'postmaster.pid'))) {
      try {
        runSync(c.pgCtl, ['stop', '-D', c.dataDir, '-m', 'immediate', '-w', '-t', '10'], c.root);
      } catch {
        // Already gone; nothing else to do on the way out.
      }
      c.running = false;
    }
    rmSync(c.root, { recursive: true, force: true });
  }
  live.clear();
}

/** Creates a fresh cluster in a temp dir and starts it on a free 127.0.0.1 port. */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PgServer> {
  const { initdb, pgCtl } = findBins();
  const root = await mkdtemp(join(tmpdir(), 'recur-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  const cluster: LiveCluster = { pgCtl, root, dataDir, running: false };
  live.add(cluster);
  onProcessExit(cleanupAllSync);

  const destroy = async (): Promise<void> => {
    if (!live.has(cluster)) return;
    if (cluster.running) {
      try {
        await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S)], root);
      } catch {
        await run(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], root).catch(() => {});
      }
      cluster.running = false;
    }
    live.delete(cluster);
    await rm(root, { recursive: true, force: true });
  };

  const pgCtlStart = async (): Promise<void> => {
    try {
      await run(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S)], root);
      cluster.running = true;
    } catch (err) {
      // pg_ctl -w can time out while the postmaster keeps going; make sure it doesn't linger.
      await run(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], root).catch(() => {});
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`PostgreSQL failed to start (data dir ${dataDir}): ${msg}\n--- server log tail ---\n${await logTail(logFile)}`);
    }
  };

  let port = 0;
  try {
    if (asRoot()) {
      const { uid, gid } = await postgresIds();
      await chown(root, uid, gid);
    }
    await run(initdb, ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], root);
    const baseConf = [
      '',
      '# recur test cluster',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = ${confValue(root)}`,
      'max_connections = 200',
      `fsync = ${opts.fsync ? 'on' : 'off'}`,
      '',
    ].join('\n');
    await appendFile(join(dataDir, 'postgresql.conf'), baseConf);

    // freePort() can race with other processes grabbing the port, so retry bind failures.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await appendFile(join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
      try {
        await pgCtlStart();
        break;
      } catch (err) {
        const bindFailed = /could not (bind|create listen socket)|Address already in use/i.test(
          err instanceof Error ? err.message : '',
        );
        if (!bindFailed || attempt >= MAX_PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  const stopWith = async (mode: 'fast' | 'immediate'): Promise<void> => {
    if (!cluster.running) return;
    await run(pgCtl, ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(START_TIMEOUT_S)], root);
    cluster.running = false;
  };

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () => stopWith('fast'),
    kill: () => stopWith('immediate'),
    start: async () => {
      if (!live.has(cluster)) throw new Error('PgServer.start() after destroy()');
      if (!cluster.running) await pgCtlStart();
    },
    destroy,
  };
}

function withDatabase(serverUrl: string, dbName: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

function connectAdmin(serverUrl: string): SqlClient {
  return connectSql(serverUrl);
}

/** Creates a uniquely named database on the server; drop() kicks out its sessions and drops it. */
export async function createDatabase(
  serverUrl: string,
  name?: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const dbName = name ?? `recur_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbName)) {
    throw new Error(`createDatabase: invalid database name ${JSON.stringify(dbName)}`);
  }
  const admin = connectAdmin(serverUrl);
  try {
    await admin.query(`create database "${dbName}"`);
  } finally {
    await admin.end();
  }

  let dropped = false;
  return {
    url: withDatabase(serverUrl, dbName),
    drop: async () => {
      if (dropped) return;
      const sql = connectAdmin(serverUrl);
      try {
        // A client may reconnect between terminate and drop; retry on "is being accessed by other users".
        for (let attempt = 1; ; attempt++) {
          await sql.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
          try {
            await sql.query(`drop database if exists "${dbName}"`);
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== '55006' || attempt >= 5) throw err;
            await new Promise((r) => setTimeout(r, 100 * attempt));
          }
        }
        dropped = true;
      } finally {
        await sql.end();
      }
    },
  };
}
