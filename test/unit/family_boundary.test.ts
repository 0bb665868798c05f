// Who decides a family's boundary: a person's word and a standing correction stay; otherwise the votes; when
// they point nowhere, a loose correction, then the model's answer, then the words of the signals.
import { describe, expect, it } from 'vitest';
import { emptyBoundaryTally, foldBoundaryVote, signalBoundary, type BoundaryEvidence, type BoundaryTally } from '../../src/families/boundary.js';
import { decideFamilyBoundary, learnedDecision, modelDecision, personDecision, readBoundaryState, type FamilyBoundary, type LearnedBoundary } from '../../src/families/family_boundary.js';

function tally(...signals: BoundaryEvidence[]): BoundaryTally {
  const t = emptyBoundaryTally();
  for (const e of signals) {
    const { vote, keys } = signalBoundary(e);
    foldBoundaryVote(t, vote, keys);
  }
  return t;
}

const rules = (b: FamilyBoundary['boundary'] = 'unknown'): FamilyBoundary => ({ boundary: b, confidence: 0, reasons: [], source: 'rules' });
const forbidden: BoundaryEvidence = { title: '403 Forbidden calling Zendesk', kind: 'tool_error', tool: 'zendesk_update_ticket' };
const vague: BoundaryEvidence = { title: 'customer says the answer was useless', kind: 'negative_feedback' };
const learned = (key: string, ticketNumber: number | null = 123): LearnedBoundary => ({
  boundary: 'downstream_api',
  correctionId: '7d1f2c3e-0000-4000-8000-000000000001',
  ticketNumber,
  familyId: '7d1f2c3e-0000-4000-8000-0000000000aa',
  key,
});

describe('decideFamilyBoundary', () => {
  it('lets the votes decide, naming the tier that won as the source', () => {
    expect(decideFamilyBoundary(rules(), { tally: tally(forbidden, forbidden, vague) })).toEqual({
      boundary: 'permission',
      confidence: 0.57,
      reasons: ['403 from zendesk_update_ticket in 2 of 3 signals'],
      source: 'rules',
    });
    expect(decideFamilyBoundary(rules(), { tally: tally(forbidden, { title: 'x', explicit: 'prompt' }) })).toMatchObject({ boundary: 'prompt', source: 'explicit' });
    expect(decideFamilyBoundary(rules(), { tally: tally(vague) })).toEqual(rules('unknown'));
  });

  it("keeps a person's boundary, even `unknown`, whatever the votes say", () => {
    const person = personDecision('tool_contract', 'github:alice');
    expect(decideFamilyBoundary(person, { tally: tally(forbidden, forbidden) })).toEqual({ boundary: 'tool_contract', confidence: 1, reasons: ['set by github:alice'], source: 'person' });
    expect(decideFamilyBoundary(personDecision('unknown', 'api'), { tally: tally(forbidden) }).boundary).toBe('unknown');
  });

  it('keeps a boundary learned by tool and error or evaluator over the votes, and says where it was learned', () => {
    const state = { tally: tally(forbidden), learned: learned('tool+error:zendesk_update_ticket|http_403') };
    expect(decideFamilyBoundary(rules(), state)).toEqual({
      boundary: 'downstream_api',
      confidence: 0.9,
      reasons: ['learned from #123', 'matched by tool+error:zendesk_update_ticket|http_403'],
      source: 'learned',
    });
    expect(learnedDecision(learned('evaluator:faithfulness', null)).reasons[0]).toBe('learned from family 7d1f2c3e-0000-4000-8000-0000000000aa');
  });

  it('uses a boundary learned only by workflow and kind while the votes point nowhere, and gives way to them after', () => {
    const loose = learned('workflow+kind:support-agent|negative_feedback');
    expect(decideFamilyBoundary(rules(), { tally: tally(vague), learned: loose })).toMatchObject({ boundary: 'downstream_api', source: 'learned', confidence: 0.5 });
    expect(decideFamilyBoundary(rules(), { tally: tally(vague, forbidden), learned: loose })).toMatchObject({ boundary: 'permission', source: 'rules' });
  });

  it("keeps the model's answer only while the votes point nowhere", () => {
    const model = modelDecision('context_source', 'test-model', 'the answers cite a retired policy');
    expect(model.reasons).toEqual(['the model test-model judged: the answers cite a retired policy']);
    expect(decideFamilyBoundary(model, { tally: tally(vague) })).toEqual(model);
    expect(decideFamilyBoundary(model, { tally: tally(vague, forbidden) })).toMatchObject({ boundary: 'permission', source: 'rules' });
  });

  it("uses the signals' words only when no rule read them, after a loose learned boundary and the model's answer", () => {
    const worded: BoundaryEvidence = { title: 'the hours the bot gives do not match the website', kind: 'negative_feedback' };
    const byWords = decideFamilyBoundary(rules(), { tally: tally(worded, worded) });
    expect(byWords).toMatchObject({ boundary: 'context_source', source: 'words' });
    expect(byWords.reasons[0]).toMatch(/^worded like "\w+" in 2 of 2 signals$/);
    expect(decideFamilyBoundary(rules(), { tally: tally(worded, forbidden) })).toMatchObject({ boundary: 'permission', source: 'rules' });
    expect(decideFamilyBoundary(rules(), { tally: tally(worded), learned: learned('workflow+kind:w/negative_feedback') })).toMatchObject({ boundary: 'downstream_api', source: 'learned' });
    const model = modelDecision('prompt', 'test-model', 'the reply ignores the instructions');
    expect(decideFamilyBoundary(model, { tally: tally(worded) })).toEqual(model);
    // The words' guess is not kept over later votes: it is recomputed from them.
    expect(decideFamilyBoundary(byWords, { tally: tally(worded, forbidden) })).toMatchObject({ boundary: 'permission', source: 'rules' });
  });

  it('reads a stored state, and treats anything else as no votes', () => {
    const stored = JSON.parse(JSON.stringify({ tally: tally(forbidden), learned: learned('evaluator:x') }));
    expect(readBoundaryState(stored)).toEqual({ tally: tally(forbidden), learned: learned('evaluator:x') });
    expect(readBoundaryState({})).toEqual({ tally: emptyBoundaryTally() });
    expect(readBoundaryState('garbage')).toEqual({ tally: emptyBoundaryTally() });
  });
});
