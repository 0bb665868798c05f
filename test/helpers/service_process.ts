// Runs recur as a child process for end-to-end tests and benchmarks, and waits until it answers /readyz:
// from the sources as `npm start` does (`node --import tsx src/main.ts <role>`), or built as the image
// runs it (`node dist/main.js <role>`, after `npm run build`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Compiles src/ into dist/ as `npm run build` does; throws with the compiler's output when it fails. The
 * output is written aside and moved into place whole, so a process started from dist/ meanwhile (another
 * test's, or `recur` in production mode) never finds half of it.
 */
export function buildRecur(): void {
  const staging = `dist.build-${process.pid}`;
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', staging], { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) {
    rmSync(join(ROOT, staging), { recursive: true, force: true });
    throw new Error(`npm run build failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  renameSync(join(ROOT, staging), join(ROOT, 'dist'));
}

export async function startService(opts: {
  role?: 'all' | 'api' | 'worker';
  env: Record<string, string>;
  port?: number;
  waitReady?: boolean;
  /** 'built' runs dist/ (see buildRecur); the default runs the sources through tsx. */
  from?: 'source' | 'built';
}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const entry = opts.from === 'built' ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, opts.role ?? 'all'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d.toString()).slice(-200_000)));
  child.stderr!.on('data', (d) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  if (opts.waitReady === false || opts.role === 'worker') return service;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`recur exited with ${child.exitCode} before it was ready:\n${out}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`recur was not ready within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
