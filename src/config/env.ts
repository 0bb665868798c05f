// The environment variables of docs/contract.md section 2 (each one in docs/configuration.md), parsed once at start-up.
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  name: string;
  scopes: Scope[];
  token: string;
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));

const port = z.coerce.number().int('expected an integer').min(1).max(65535);
const positiveInt = (fallback: number) => z.coerce.number().int('expected an integer').positive('expected a positive integer').default(fallback);
const offOrPositive = (fallback: number) => z.coerce.number().int('expected an integer').min(0, 'expected 0 (off) or a positive integer').default(fallback);

/** Days raw delivery payloads are kept; `0` or `off` keeps them for ever (null). */
const retentionDays = z
  .string()
  .default('30')
  .transform((text, ctx): number | null => {
    const value = text.trim().toLowerCase();
    if (value === 'off') return null;
    if (value === '') return 30;
    if (/^\d{1,5}$/.test(value)) return Number(value) === 0 ? null : Number(value);
    ctx.addIssue({ code: 'custom', message: 'expected a whole number of days, or 0 / off to keep payloads for ever' });
    return z.NEVER;
  });

const apiTokens = optionalText.transform((text, ctx): ApiToken[] | undefined => {
  if (!text) return undefined;
  const tokens: ApiToken[] = [];
  for (const [i, entry] of list(text).entries()) {
    const [name, scopeText, ...rest] = entry.split(':');
    const token = rest.join(':');
    const scopes = (scopeText ?? '').split('+').filter(Boolean);
    const bad = scopes.find((s) => !(SCOPES as readonly string[]).includes(s));
    if (!name || !token || scopes.length === 0 || bad) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${i + 1}: expected name:scopes:token with scopes from read, write, admin joined by '+'${bad ? ` (unknown scope "${bad}")` : ''}`,
      });
      return z.NEVER;
    }
    if (token.length < 16) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${name}): the token must be at least 16 characters` });
      return z.NEVER;
    }
    tokens.push({ name, scopes: scopes as Scope[], token });
  }
  return tokens;
});

export const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: optionalText.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
  ),
  REDIS_URL: optionalText.pipe(z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional()),
  RECUR_DATA_DIR: z.string().default('./.recur'),
  RECUR_CONFIG: optionalText,
  LANGSMITH_WEBHOOK_SECRET: optionalText.transform((v) => (v ? list(v) : [])),
  LANGSMITH_WEBHOOK_TOKEN: optionalText,
  GITHUB_WEBHOOK_SECRET: optionalText,
  GITHUB_TOKEN: optionalText,
  GITHUB_APP_ID: optionalText,
  GITHUB_APP_PRIVATE_KEY: optionalText,
  GITHUB_APP_INSTALLATION_ID: optionalText,
  GITHUB_API_URL: z.url('expected a URL').default('https://api.github.com'),
  GITHUB_REPO: optionalText.pipe(
    z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name').optional(),
  ),
  RECUR_SIGNALS_SECRET: optionalText.pipe(z.string().startsWith('whsec_', 'expected a whsec_… secret').optional()),
  RECUR_API_TOKENS: apiTokens,
  RECUR_MAX_BODY_BYTES: positiveInt(1_048_576),
  RECUR_MAX_JSON_DEPTH: z.coerce.number().int('expected an integer').min(1, 'expected 1 to 1000').max(1_000, 'expected 1 to 1000').default(64),
  RECUR_BODY_TIMEOUT_MS: positiveInt(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RECUR_WORKER_CONCURRENCY: positiveInt(8),
  RECUR_HEAP_GROWING_PERCENT: z.coerce.number().int('expected an integer').min(0, 'expected 0 to 400').max(400, 'expected 0 to 400').default(100),
  RECUR_MAX_ATTEMPTS: positiveInt(8),
  RECUR_INBOX_BATCH: z.coerce.number().int().min(1).max(1_000).optional(),
  RECUR_SWEEP_INTERVAL_MS: positiveInt(5_000),
  RECUR_RETENTION_DAYS: retentionDays,
  RECUR_RETENTION_INTERVAL_MS: positiveInt(3_600_000),
  RECUR_TICKET_DELAY_MS: z.coerce.number().int().min(0).default(2_000),
  RECUR_TICKET_LEASE_MS: positiveInt(15_000),
  RECUR_QUEUE_PREFIX: z.string().regex(/^[\w.-]{1,64}$/, 'expected letters, digits, dots, dashes or underscores').default('recur'),
  RECUR_GITHUB_TIMEOUT_MS: positiveInt(20_000),
  RECUR_GITHUB_WRITE_GAP_MS: z.coerce.number().int().min(0).default(1_000),
  RECUR_TICKET_UPDATE_INTERVAL_MS: z.coerce.number().int().min(0).default(30_000),
  RECUR_LLM_URL: optionalText.pipe(z.url('expected the base URL of an OpenAI-compatible API, like https://api.openai.com/v1').optional()),
  RECUR_LLM_API_KEY: optionalText,
  RECUR_LLM_MODEL: z.string().default('gpt-4o-mini'),
  RECUR_EMBEDDINGS_URL: optionalText.pipe(z.url('expected the base URL of an OpenAI-compatible API with /embeddings, like http://localhost:8080/v1').optional()),
  RECUR_EMBEDDINGS_MODEL: optionalText,
  RECUR_EMBEDDINGS_API_KEY: optionalText,
  RECUR_EMBEDDINGS_THRESHOLD: z.coerce.number().gt(0, 'expected a cosine similarity between 0 and 1').max(1, 'expected a cosine similarity between 0 and 1').default(0.85),
  RECUR_EMBEDDINGS_TIMEOUT_MS: positiveInt(2_000),
  RECUR_PUBLIC_URL: optionalText.pipe(z.url('expected a URL').optional()),
  RECUR_RATE_LIMIT_PER_ADDRESS: offOrPositive(0),
  RECUR_RATE_LIMIT_PER_TOKEN: offOrPositive(0),
  RECUR_AUTH_FAILURES_PER_ADDRESS: offOrPositive(10),
  RECUR_SHED_STORE_WAIT_MS: offOrPositive(5_000),
  RECUR_SHED_INBOX_PENDING: offOrPositive(100_000),
  RECUR_TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  RECUR_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
});

export type Env = z.output<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) throw new ConfigError(describeIssues('environment', result.error));
  if (result.data.RECUR_EMBEDDINGS_URL && !result.data.RECUR_EMBEDDINGS_MODEL) {
    throw new ConfigError('environment: RECUR_EMBEDDINGS_MODEL: expected the embedding model to ask for, since RECUR_EMBEDDINGS_URL is set');
  }
  return result.data;
}
