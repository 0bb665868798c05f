// Process plumbing shared by the ingest and end-to-end benchmarks: comparison servers and load generators
// as child processes, percentiles, and resident memory read from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import type { LoadPhase, LoadResult, LoadSpec } from './load_generator.js';

const ROOT = new URL('../', import.meta.url).pathname;

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

const compiled = new Map<string, string>();
let sessions = 0;

/**
 * Compiles bench scripts and what they import into bench/results/build/ (one tsc run for those not compiled
 * yet in this process) and returns the JavaScript's paths: the reference servers and the load generator run
 * compiled, as recur does, so that no side pays for a transpiler at run time.
 */
export function compileScripts(...scripts: string[]): string[] {
  const outDir = 'bench/results/build';
  const pending = scripts.filter((s) => !compiled.has(s));
  if (pending.length > 0) {
    const tsc = spawnSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', ...pending, '--outDir', outDir, '--rootDir', '.', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--esModuleInterop'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (tsc.status !== 0) throw new Error(`compiling ${pending.join(', ')} failed:\n${tsc.stdout}${tsc.stderr}`);
    for (const script of pending) compiled.set(script, join(outDir, script.replace(/\.ts$/, '.js')));
  }
  return scripts.map((s) => compiled.get(s)!);
}

/** Runs a compiled server (see compileScripts) and waits for its /readyz. */
export async function startServer(script: string, args: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} ${args.join(' ')} exited with ${child.exitCode}:\n${err}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} ${args.join(' ')} was not ready within 60 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Load generators kept running between phases (see load_generator.ts), so a later phase finds them compiled. */
export interface LoadSession {
  /** Runs one phase on every generator at once and merges what they measured. */
  run(phase: LoadPhase): Promise<LoadResult>;
  close(): Promise<void>;
}

/**
 * Starts the load in `generators` processes (connections split between them), answering once every one
 * has its bodies ready. The generator runs compiled (once per benchmark): it shares the machine with the
 * server it measures, and through tsx it cost more CPU.
 */
export async function openLoad(spec: Omit<LoadSpec, 'out'>, generators: number): Promise<LoadSession> {
  const script = compileScripts('bench/load_generator.ts')[0]!;
  const parts = Array.from({ length: generators }, (_, g) => {
    const out = join(tmpdir(), `recur-load-${process.pid}-${++sessions}-${g}.json`);
    const share = (n: number) => Math.floor(n / generators) + (g < n % generators ? 1 : 0);
    const part: LoadSpec = {
      ...spec,
      connections: Math.max(1, share(spec.connections)),
      rate: spec.rate === undefined ? undefined : spec.rate / generators,
      precompute: Math.ceil(spec.precompute / generators),
      out,
    };
    const child = spawn(process.execPath, ['--max-old-space-size=2048', script, JSON.stringify(part)], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const next = () =>
      new Promise<void>((resolve, reject) => {
        const onMessage = () => {
          child.off('exit', onExit);
          resolve();
        };
        const onExit = (code: number | null) => {
          child.off('message', onMessage);
          reject(new Error(`load generator exited with ${code}`));
        };
        child.once('message', onMessage);
        child.once('exit', onExit);
      });
    return { child, out, exited, next };
  });
  await Promise.all(parts.map((p) => p.next()));
  return {
    async run(phase) {
      const done = parts.map((p) => p.next());
      for (const p of parts) p.child.send(phase);
      await Promise.all(done);
      return mergeLoads(
        parts.map((p) => JSON.parse(readFileSync(p.out, 'utf8')) as LoadResult),
        'together',
      );
    },
    async close() {
      for (const p of parts) if (p.child.connected) p.child.send('stop');
      const codes = await Promise.all(parts.map((p) => p.exited));
      for (const p of parts) rmSync(p.out, { force: true });
      if (codes.some((c) => c !== 0)) throw new Error(`load generator exited with ${codes.join(', ')}`);
    },
  };
}

/** One phase of load in a session of its own. */
export async function runLoad(spec: Omit<LoadSpec, 'out'> & LoadPhase, generators: number): Promise<LoadResult> {
  const { warmupMs, durationMs, ...rest } = spec;
  const session = await openLoad(rest, generators);
  try {
    return await session.run({ warmupMs, durationMs });
  } finally {
    await session.close();
  }
}

/**
 * Several loads as one: generators that ran `together` (the window is the longest of theirs), or slices of
 * one target's measurement run `in turn` (the windows add up). Answers, latencies and accepted ids are
 * pooled.
 */
export function mergeLoads(results: readonly LoadResult[], ran: 'together' | 'in turn'): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  const windows = results.map((r) => r.measured.windowMs);
  return {
    sent: results.reduce((a, r) => a + r.sent, 0),
    statuses,
    errors: results.reduce((a, r) => a + r.errors, 0),
    measured: {
      requests: results.reduce((a, r) => a + r.measured.requests, 0),
      accepted: results.reduce((a, r) => a + r.measured.accepted, 0),
      windowMs: ran === 'together' ? Math.max(...windows) : windows.reduce((a, w) => a + w, 0),
      latenciesMs: results.flatMap((r) => r.measured.latenciesMs),
    },
    madeOnTheFly: results.reduce((a, r) => a + r.madeOnTheFly, 0),
    accepted: results.some((r) => r.accepted) ? results.flatMap((r) => r.accepted ?? []) : undefined,
  };
}

/** The p-th percentile (nearest rank) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; null once it is gone. */
export function cpuMs(pid: number): number | null {
  const fields = statFields(pid);
  return fields && ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The fields of /proc/<pid>/stat after the command name (index 1 is the parent's pid); null once it is gone. */
function statFields(pid: number | string): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process and its children have used so far, in ms: its own, that of its
 * children that exited (cutime, cstime) and that of its children still running. For PostgreSQL's
 * postmaster this is the server's whole CPU, backends included.
 */
export function treeCpuMs(pid: number): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statFields(entry);
    if (child && Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
  }
  return (ticks * 1000) / 100;
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS); null once it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** A sample's value in Prometheus text (the first series of that name, whatever its labels); NaN when absent. */
export function metricValue(text: string, name: string): number {
  return Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? NaN);
}

/** The machine's CPU counters (/proc/stat, all CPUs, in ticks): busy, idle and stolen by the hypervisor. */
export function machineTicks(): { total: number; steal: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/** Percent of the machine's CPU time the hypervisor gave to others, over tick counts summed between readings. */
export function stealPercent(ticks: { total: number; steal: number }): number | null {
  return ticks.total > 0 ? +((100 * ticks.steal) / ticks.total).toFixed(1) : null;
}
