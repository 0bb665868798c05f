// Golden files per grouping version (test/fixtures/grouping/<version>.json): the keys and texts each
// version derives from a fixed set of inputs. A released version is never edited, so any difference here
// fails: a change to grouping is a new version with a golden file of its own.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GROUPING_VERSION, LEGACY_VERSIONS } from '../../src/families/grouping/version.js';
import { goldenOf, type GoldenInput } from '../helpers/grouping_golden.js';

const dir = new URL('../fixtures/grouping/', import.meta.url);
const goldens = readdirSync(dir)
  .filter((f) => /^g-\d{4}-\d{2}-\d{2}(?:\.\d+)?\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { version: string; cases: Array<{ input: GoldenInput; output: Record<string, unknown> }> });

describe('grouping golden files', () => {
  it('exist for the current version and every legacy version still matched', () => {
    expect(goldens.map((g) => g.version).sort()).toEqual([GROUPING_VERSION, ...LEGACY_VERSIONS.map((v) => v.version)].sort());
  });

  for (const golden of goldens) {
    it(`${golden.version}: every input still gives the keys it gave when the version was released`, () => {
      expect(golden.cases.length).toBeGreaterThanOrEqual(60);
      for (const { input, output } of golden.cases) {
        const derived = goldenOf(golden.version, input);
        // What a version still derives must equal what it gave; the current version derives everything.
        const recorded = Object.fromEntries(Object.keys(golden.version === GROUPING_VERSION ? output : derived).map((k) => [k, output[k]]));
        expect({ title: input.signal.title, ...derived }).toEqual({ title: input.signal.title, ...recorded });
      }
    });
  }
});
