// RECUR_RETENTION_DAYS: a whole number of days, 0 or `off` to keep payloads for ever, 30 when unset.
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';

describe('RECUR_RETENTION_DAYS', () => {
  it.each([
    [undefined, 30],
    ['', 30],
    ['7', 7],
    [' 90 ', 90],
    ['0', null],
    ['00', null],
    ['off', null],
    ['OFF', null],
  ])('reads %j as %j', (value, days) => {
    expect(parseEnv({ RECUR_RETENTION_DAYS: value }).RECUR_RETENTION_DAYS).toBe(days);
  });

  it.each(['-1', '1.5', 'thirty', '30d', '100000'])('refuses %j, naming the variable', (value) => {
    expect(() => parseEnv({ RECUR_RETENTION_DAYS: value })).toThrow(ConfigError);
    expect(() => parseEnv({ RECUR_RETENTION_DAYS: value })).toThrow(/RECUR_RETENTION_DAYS/);
  });

  it('runs hourly unless told otherwise, and refuses a non-positive interval', () => {
    expect(parseEnv({}).RECUR_RETENTION_INTERVAL_MS).toBe(3_600_000);
    expect(() => parseEnv({ RECUR_RETENTION_INTERVAL_MS: '0' })).toThrow(/RECUR_RETENTION_INTERVAL_MS/);
  });
});
