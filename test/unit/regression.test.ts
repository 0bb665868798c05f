import { describe, expect, it } from 'vitest';
import { decideRegression, type RegressionInput } from '../../src/families/regression.js';

const resolved: RegressionInput = { status: 'resolved', fixStatus: 'none', fixRelease: null, occurrenceRelease: undefined };

describe('decideRegression', () => {
  it.each<[string, Partial<RegressionInput>, ReturnType<typeof decideRegression>]>([
    ['a ticket closed by hand, then the failure again', {}, { regressed: true }],
    ['an open family is not resolved', { status: 'open' }, { regressed: false, reason: 'not_resolved' }],
    ['an ignored family never regresses', { status: 'ignored' }, { regressed: false, reason: 'not_resolved' }],
    ['an already regressed family does not regress twice', { status: 'regressed' }, { regressed: false, reason: 'not_resolved' }],
    ['a merged fix no release carries yet', { fixStatus: 'merged', occurrenceRelease: '9.9.9' }, { regressed: false, reason: 'fix_not_released' }],
    ['a trace from a release older than the fix', { fixStatus: 'released', fixRelease: '1.4.1', occurrenceRelease: '1.4.0' }, { regressed: false, reason: 'older_release' }],
    ['v-prefixed versions compare too', { fixStatus: 'released', fixRelease: 'v1.4.1', occurrenceRelease: 'v1.3.9' }, { regressed: false, reason: 'older_release' }],
    ['a trace from the fixed release itself', { fixStatus: 'released', fixRelease: '1.4.1', occurrenceRelease: '1.4.1' }, { regressed: true }],
    ['a trace from a newer release', { fixStatus: 'released', fixRelease: '1.4.1', occurrenceRelease: '1.5.0' }, { regressed: true }],
    ['a prerelease of the fixed version is older', { fixStatus: 'released', fixRelease: '1.4.1', occurrenceRelease: '1.4.1-rc.1' }, { regressed: false, reason: 'older_release' }],
    ['a trace without a release after a released fix', { fixStatus: 'released', fixRelease: '1.4.1' }, { regressed: true }],
    ['releases that do not parse cannot be compared', { fixStatus: 'released', fixRelease: 'spring-launch', occurrenceRelease: 'a1b2c3d' }, { regressed: true }],
    ['a reverted fix', { fixStatus: 'reverted' }, { regressed: true }],
  ])('%s', (_, input, expected) => {
    expect(decideRegression({ ...resolved, ...input })).toEqual(expected);
  });
});
