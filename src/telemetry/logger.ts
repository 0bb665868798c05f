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
  // `*.x` matches one level down only: the top-level keys are named too.
  'token',
  'secret',
  'password',
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

/**
 * A child logger made on first use. A pino child costs more than anything else a request's telemetry
 * does (its bindings are serialized and redacted when it is made), and most requests log nothing at the
 * levels production runs at.
 */
export function lazyChild(base: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const made = () => (child ??= base.child(bindings));
  return new Proxy(base, {
    get(_, prop) {
      if (typeof prop === 'string' && LEVEL_METHODS.has(prop) && !child && !base.isLevelEnabled(prop)) return noop;
      const target = made();
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_, prop, value) {
      return Reflect.set(made(), prop, value);
    },
  });
}

const LEVEL_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = () => {};
