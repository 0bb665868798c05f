// Structured JSON logs (pino). Authorization headers, signatures, tokens and secrets never reach a log line.
import { pino, type Logger } from 'pino';
import { activeTraceIds } from './tracing.js';

export type { Logger };

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-langsmith-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  '*.token',
  '*.secret',
  '*.password',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
];

export function createLogger(level: string, name = 'recur'): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Whatever the line is about, it can be found in the trace it happened in.
    mixin: () => activeTraceIds() ?? {},
  });
}
