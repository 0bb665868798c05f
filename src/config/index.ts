// Everything recur is configured with, parsed once at boot: the environment plus recur.yaml.
import { resolve } from 'node:path';
import { parseEnv, type Env } from './env.js';
import { loadFileConfig, type FileConfig } from './file.js';

export interface Config {
  env: Env;
  file: FileConfig;
  configPath: string | null;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const explicit = Boolean(env.RECUR_CONFIG);
  const configPath = resolve(env.RECUR_CONFIG ?? 'recur.yaml');
  const file = loadFileConfig(configPath, explicit);
  return { env, file, configPath };
}

/** The checks that are off because their secret is unset: start-up warns about each, loudly. */
export function disabledChecks(env: Env): string[] {
  const off: string[] = [];
  if (env.LANGSMITH_WEBHOOK_SECRET.length === 0) off.push('LANGSMITH_WEBHOOK_SECRET (LangSmith signatures are not verified)');
  if (!env.GITHUB_WEBHOOK_SECRET) off.push('GITHUB_WEBHOOK_SECRET (GitHub signatures are not verified)');
  if (!env.RECUR_SIGNALS_SECRET) off.push('RECUR_SIGNALS_SECRET (signed /v1/signals deliveries are not accepted)');
  if (!env.RECUR_API_TOKENS) off.push('RECUR_API_TOKENS (the /v1 API is open to anyone who can reach it)');
  return off;
}

export type { Env, FileConfig };
