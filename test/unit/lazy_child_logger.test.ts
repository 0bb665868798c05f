// lazyChild: a request's logger is made only when something is logged at an enabled level, and then
// logs as the pino child it stands for (its bindings, redaction, level).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyChild, REDACTED_PATHS } from '../../src/telemetry/logger.js';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const base = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
  const child = vi.spyOn(base, 'child');
  return { base, lines, child };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('lazyChild', () => {
  it('makes no child while only disabled levels are called', async () => {
    const { base, lines, child } = capture('warn');
    const log = lazyChild(base, { request_id: 'r1' });
    log.info({ delivery: 'd1' }, 'delivery');
    log.debug('detail');
    log.trace('more');
    await flush();
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('logs an enabled level through one child carrying the bindings, redacted like its parent', async () => {
    const { base, lines, child } = capture('info');
    const log = lazyChild(base, { request_id: 'r2' });
    log.info({ delivery: 'd2' }, 'delivery');
    log.warn({ token: 'ghp_secret' }, 'careful');
    await flush();
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([
      { level: 30, request_id: 'r2', delivery: 'd2', msg: 'delivery' },
      { level: 40, request_id: 'r2', msg: 'careful' },
    ]);
    expect(JSON.stringify(lines)).not.toContain('ghp_secret');
  });

  it('answers what a logger answers (level, isLevelEnabled, child of the child)', async () => {
    const { base, lines } = capture('info');
    const log = lazyChild(base, { request_id: 'r3' });
    expect(log.level).toBe('info');
    expect(log.isLevelEnabled('debug')).toBe(false);
    log.child({ job: 'j1' }).error('failed');
    await flush();
    expect(lines).toMatchObject([{ level: 50, request_id: 'r3', job: 'j1', msg: 'failed' }]);
  });
});
