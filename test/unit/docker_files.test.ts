// docker/ checked without a Docker engine: compose.yaml parsed and held to its structure (services, health
// checks, start order, roles, scalable workers, variables recur knows), the Dockerfile read instruction by
// instruction (multi-stage, non-root, health check, port, entrypoint), and every file it copies present and
// not excluded by .dockerignore. CI also runs `docker compose config -q` where the plugin exists.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** docs/contract.md section 2: every variable a deployment may set. */
const CONTRACT_VARIABLES = [
  'PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'RECUR_DATA_DIR', 'RECUR_CONFIG', 'LANGSMITH_WEBHOOK_SECRET', 'LANGSMITH_WEBHOOK_TOKEN',
  'GITHUB_WEBHOOK_SECRET', 'GITHUB_TOKEN', 'GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_INSTALLATION_ID', 'GITHUB_API_URL',
  'GITHUB_REPO', 'RECUR_SIGNALS_SECRET', 'RECUR_API_TOKENS', 'RECUR_MAX_BODY_BYTES', 'LOG_LEVEL',
];
/** Read by compose.yaml itself, not by recur. */
const COMPOSE_VARIABLES = ['POSTGRES_PASSWORD', 'RECUR_HOST_PORT'];
const RECUR_VARIABLES = new Set(Object.keys(envSchema.shape));
const known = (name: string) => RECUR_VARIABLES.has(name) || name.startsWith('OTEL_');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required?: boolean }>;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  container_name?: string;
  restart?: string;
  volumes?: string[];
}

const compose = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;

describe('docker/compose.yaml', () => {
  it('runs postgres, redis, a one-shot migrate, the api and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'redis', 'worker']);
    expect(services.postgres!.image).toMatch(/^postgres:15(\b|$)/);
    expect(services.redis!.image).toMatch(/^redis:/);
    expect(services.migrate!.restart).toBe('no');
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const [volume] = services.postgres!.volumes ?? [];
    expect(volume).toMatch(/^(\w+):\/var\/lib\/postgresql\/data$/);
    expect(compose.volumes).toHaveProperty(volume!.split(':')[0]!);
  });

  it.each([
    ['migrate', ['migrate']],
    ['api', ['api']],
    ['worker', ['worker']],
  ])('runs the %s service from the recur image with role %j', (name, command) => {
    const s = services[name]!;
    expect(s.command).toEqual(command);
    expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(existsSync(join(ROOT, 'docker', s.build!.context, s.build!.dockerfile))).toBe(true);
  });

  it.each([
    ['postgres', 'pg_isready'],
    ['redis', 'redis-cli ping'],
    ['api', '/healthz'],
    ['worker', '/healthz'],
  ])('health-checks %s with %s', (name, probe) => {
    const hc = services[name]!.healthcheck!;
    expect(hc.disable).toBeUndefined();
    expect(hc.test!.join(' ')).toContain(probe);
    expect(hc.test!.join(' ')).not.toContain('curl');
  });

  it.each(['api', 'worker'])('starts %s only after migrations succeeded and the stores are healthy', (name) => {
    expect(services[name]!.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('migrates once postgres is healthy', () => {
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('lets the worker scale: replicas, no fixed name, no published port', () => {
    const worker = services.worker!;
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(1);
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const s of Object.values(services)) expect(s.container_name).toBeUndefined();
  });

  it('publishes the api on the port recur listens on', () => {
    const api = services.api!;
    const [mapping] = api.ports!;
    expect(mapping!.split(':').at(-1)).toBe(api.environment!.PORT);
  });

  it('points every role at the compose postgres and redis, with variables recur knows', () => {
    for (const name of ['migrate', 'api', 'worker']) {
      const env = services[name]!.environment!;
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/recur:.*@postgres:5432\/recur$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      for (const key of Object.keys(env)) expect(RECUR_VARIABLES.has(key), key).toBe(true);
      expect(services[name]!.env_file).toEqual([{ path: '.env', required: false }]);
    }
  });

  it('interpolates only variables documented in docker/.env.example', () => {
    const documented = new Set(envExampleVariables());
    const used = [...read('docker/compose.yaml').matchAll(/\$\{(\w+)(?::?-[^}]*)?\}/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(documented.has(name), name).toBe(true);
  });
});

function envExampleVariables(): string[] {
  return [...read('docker/.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
}

describe('docker/.env.example', () => {
  it('documents every variable of the contract', () => {
    const documented = new Set(envExampleVariables());
    for (const name of CONTRACT_VARIABLES) expect(documented.has(name), name).toBe(true);
    expect([...documented].some((n) => n.startsWith('OTEL_'))).toBe(true);
  });

  it('names only variables recur or compose.yaml reads', () => {
    for (const name of envExampleVariables()) expect(known(name) || COMPOSE_VARIABLES.includes(name), name).toBe(true);
  });

  it('holds no secret values, and what it sets parses as recur configuration', () => {
    const set = Object.fromEntries([...read('docker/.env.example').matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    for (const name of ['LANGSMITH_WEBHOOK_SECRET', 'LANGSMITH_WEBHOOK_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'RECUR_SIGNALS_SECRET', 'GITHUB_TOKEN', 'GITHUB_APP_PRIVATE_KEY', 'RECUR_API_TOKENS']) {
      expect(set[name] ?? '', name).toBe('');
    }
    const recurOnly = Object.fromEntries(Object.entries(set).filter(([k]) => RECUR_VARIABLES.has(k)));
    expect(envSchema.safeParse(recurOnly).success).toBe(true);
  });
});

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped, tagged with their stage. */
function dockerfile(): Instruction[] {
  const joined = read('docker/Dockerfile')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [, op, args] = /^(\w+)\s+(.*)$/.exec(line)!;
      if (op!.toUpperCase() === 'FROM') stage += 1;
      return { op: op!.toUpperCase(), args: args!, stage };
    });
}

describe('docker/Dockerfile', () => {
  const instructions = dockerfile();
  const last = Math.max(...instructions.map((i) => i.stage));
  const final = instructions.filter((i) => i.stage === last);
  const one = (op: string) => final.filter((i) => i.op === op);

  it('builds in stages from node:20-bookworm-slim: npm ci in one, the runtime copying its result', () => {
    const froms = instructions.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^node:20-bookworm-slim AS \w+$/);
    const deps = froms[0]!.args.split(' AS ')[1]!;
    expect(instructions.some((i) => i.stage === 0 && i.op === 'RUN' && /\bnpm ci\b/.test(i.args))).toBe(true);
    expect(final.some((i) => i.op === 'RUN' && /\bnpm (ci|install)\b/.test(i.args))).toBe(false);
    expect(one('COPY').some((i) => i.args.startsWith(`--from=${deps} /app/node_modules`))).toBe(true);
  });

  it('runs as a user that is not root', () => {
    const [user] = one('USER');
    expect(user?.args).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user!.args);
    expect(final.indexOf(user!)).toBeLessThan(final.indexOf(one('ENTRYPOINT')[0]!));
  });

  it('health-checks /healthz with node, since the slim image has no curl', () => {
    const [hc] = one('HEALTHCHECK');
    expect(hc!.args).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(hc!.args).not.toMatch(/curl|wget/);
  });

  it('exposes the port recur listens on', () => {
    const port = /\bPORT=(\d+)/.exec(one('ENV').map((i) => i.args).join(' '))?.[1];
    expect(port).toBeDefined();
    expect(one('EXPOSE').map((i) => i.args)).toEqual([port]);
  });

  it('runs the compiled dist/main.js built in a stage of its own, the role as the argument (all by default)', () => {
    expect(JSON.parse(one('ENTRYPOINT')[0]!.args)).toEqual(['node', 'dist/main.js']);
    expect(JSON.parse(one('CMD')[0]!.args)).toEqual(['all']);
    const build = instructions.find((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args));
    expect(build).toBeDefined();
    expect(build!.stage).not.toBe(last);
    const buildStage = instructions.find((i) => i.op === 'FROM' && i.stage === build!.stage)!.args.split(' AS ')[1]!;
    expect(one('COPY').some((i) => i.args === `--from=${buildStage} /app/dist ./dist`)).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = picomatch(
      read('.dockerignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
      { dot: true },
    );
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(ignored(src), `${src} is excluded by .dockerignore`).toBe(false);
    }
    for (const secret of ['.env', 'docker/.env', 'node_modules', '.git', 'test']) expect(ignored(secret), secret).toBe(true);
  });
});
