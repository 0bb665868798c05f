// A stored event read again as the signal processing read it (a split reads the votes of the signals it
// takes this way): a signal's delivery, a LangSmith run, and nothing for what is not a signal any more.
import { describe, expect, it } from 'vitest';
import { defaultFileConfig } from '../../src/config/file.js';
import { storedSignal } from '../../src/ingest/process_event.js';
import { signalInboxSource } from '../../src/ingest/signals/source.js';

const receivedAt = new Date('2026-12-07T00:00:00Z');
const payload = { id: 'sig-1', source: 'tool-gateway', kind: 'tool_error', workflow: 'booking', title: 'room not bookable', message: 'room 12 not bookable', tool: 'book_room', boundary: 'tool_contract', trace: { trace_id: 't-1' } };

describe('storedSignal', () => {
  it('reads a stored signal delivery as the signal it was', () => {
    const signal = storedSignal({ source: signalInboxSource('tool-gateway'), payload, receivedAt }, defaultFileConfig());
    expect(signal).toMatchObject({ workflow: 'booking', title: 'room not bookable', tool: 'book_room', boundary: 'tool_contract' });
  });

  it.each<[string, string, unknown]>([
    ['a payload retention dropped', signalInboxSource('tool-gateway'), null],
    ['a payload that no longer validates', signalInboxSource('tool-gateway'), { ...payload, kind: 'not-a-kind' }],
    ['a GitHub event', 'github', { action: 'closed' }],
    ['a source nothing processes', 'elsewhere', payload],
  ])('gives nothing for %s', (_, source, stored) => {
    expect(storedSignal({ source, payload: stored, receivedAt }, defaultFileConfig())).toBeNull();
  });
});
