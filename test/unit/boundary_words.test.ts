// The boundary classifier's last resort: where a signal's words lean when no rule reads it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainedWordModel, WORD_MODEL_FILE, wordModelSource } from '../../bench/train_boundary_words.js';
import { classifyBoundary, classifySignalBoundary, type BoundaryEvidence } from '../../src/families/boundary.js';
import { WORD_VOTE_MIN_PROBABILITY, wordFeatures, wordProbabilities, wordVote, type WordModel } from '../../src/families/boundary_words.js';
import { WORD_MODEL } from '../../src/families/boundary_words_model.js';
import { trainWordModel, WORD_TRAINING } from '../../src/families/boundary_words_training.js';

describe('wordFeatures', () => {
  it.each<[BoundaryEvidence, string[]]>([
    [{ title: 'Answers cite superseded handbooks' }, ['answer', 'cite', 'superseded', 'handbook']],
    [{ title: 'x', message: 'PermissionDenied: token expired' }, ['permission', 'denied', 'token', 'expired']],
    [{ title: 'the 3 of 40 cases were in the wrong language' }, ['case', 'wrong', 'language']],
    [{ title: 'timeout', tool: 'search_orders', errorType: 'ReadTimeout' }, ['timeout', 'read', 'search', 'order']],
    [{ title: 'glass', kind: 'anomaly' }, ['glass', 'kind:anomaly']],
    [{ title: 'span', attributes: { run_type: 'retriever', 'http.response.status_code': 404, 'db.query.id': 'q-8812034' } }, ['span', 'key:run_type', 'val:run_type=retriever', 'key:http.response.status_code', 'key:db.query.id']],
    [{ title: 'stat stat STAT' }, ['stat']],
    [{ title: '' }, []],
  ])('%j -> %j', (evidence, features) => {
    expect(wordFeatures(evidence).sort()).toEqual([...features].sort());
  });

  it('reads a long text only up to its first 4,000 characters', () => {
    expect(wordFeatures({ title: `${'x '.repeat(1990)}zebra` })).toEqual(['zebra']);
    expect(wordFeatures({ title: `${'x '.repeat(2000)}zebra` })).toEqual([]);
  });
});

// A model small enough to reason about: "stale" and "handbook" lean to the context source, "token" to permission.
const toy: WordModel = {
  bias: [0, 0, 0, 0, 0, 0],
  weights: {
    stale: [0, 0, 2, 0, 0, 0],
    handbook: [0, 0, 1, 0, 0, 0],
    token: [0, 0, 0, 0, 2, 0],
    answer: [0, 0, 0, 0, 0, 0],
  },
};

describe('wordVote', () => {
  it('gives probabilities that sum to 1, the same every time', () => {
    const p = wordProbabilities(toy, ['stale', 'handbook', 'unseen']);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(wordProbabilities(toy, ['stale', 'handbook', 'unseen'])).toEqual(p);
    expect(p[2]).toBeGreaterThan(0.7);
  });

  it('votes for where the words lean, naming the words that pushed most', () => {
    expect(wordVote({ title: 'the answer quoted a stale handbook' }, toy)).toEqual({
      boundary: 'context_source',
      probability: wordProbabilities(toy, ['answer', 'stale', 'handbook'])[2],
      words: ['stale', 'handbook'],
    });
  });

  it("reads only the model's own features: words named like Object.prototype's properties weigh nothing", () => {
    expect(wordProbabilities(toy, ['constructor', 'hasOwnProperty', '__proto__', 'stale'])).toEqual(wordProbabilities(toy, ['stale']));
    expect(wordVote({ title: 'constructor constructor stale' }, toy)).toBeNull();
    const shipped = classifySignalBoundary({ title: 'constructor __proto__ toString valueOf hasOwnProperty prototype' });
    expect(Number.isFinite(shipped.confidence)).toBe(true);
  });

  it('does not vote on fewer than two known features, or when no boundary reaches the minimum probability', () => {
    expect(wordVote({ title: 'stale' }, toy)).toBeNull();
    expect(wordVote({ title: 'nothing the model knows' }, toy)).toBeNull();
    // "stale" and "token" pull equally two ways: neither gets half.
    const split = wordVote({ title: 'stale token' }, toy);
    expect(wordProbabilities(toy, ['stale', 'token'])[2]).toBeLessThan(WORD_VOTE_MIN_PROBABILITY);
    expect(split).toBeNull();
  });
});

describe('trainWordModel', () => {
  const examples = [
    ...Array.from({ length: 6 }, () => ({ features: ['stale', 'policy'], accepted: ['context_source' as const] })),
    ...Array.from({ length: 6 }, () => ({ features: ['token', 'expired'], accepted: ['permission' as const] })),
    { features: ['once'], accepted: ['prompt' as const] },
    { features: ['stale', 'token'], accepted: ['context_source' as const, 'permission' as const] },
  ];

  it('learns which words lean where, drops features seen fewer times than its minimum, and is deterministic', () => {
    const model = trainWordModel(examples);
    expect(trainWordModel(examples)).toEqual(model);
    expect(model.weights.once).toBeUndefined();
    expect(wordVote({ title: 'stale policy' }, model)?.boundary).toBe('context_source');
    expect(wordVote({ title: 'token expired' }, model)?.boundary).toBe('permission');
  });

  it('gives a signal of a family accepting two boundaries half a label of each', () => {
    const model = trainWordModel([{ features: ['both', 'ways'], accepted: ['context_source', 'permission'] }, { features: ['both', 'ways'], accepted: ['context_source', 'permission'] }], { ...WORD_TRAINING, epochs: 200 });
    const p = wordProbabilities(model, ['both', 'ways']);
    expect(p[2]).toBeCloseTo(p[4]!, 6);
    expect(p[2]).toBeGreaterThan(0.4);
  });
});

describe('the shipped word model', () => {
  it('is what training on the studied sets writes (npm run train:boundary-words)', () => {
    expect(readFileSync(WORD_MODEL_FILE, 'utf8')).toBe(wordModelSource(trainedWordModel()));
  });

  it('votes only where no rule reads the signal, as a guess weighing less than any rule', () => {
    const stale: BoundaryEvidence = { title: 'the hours the bot gives do not match the website', kind: 'negative_feedback' };
    expect(classifySignalBoundary(stale, [], { words: false }).boundary).toBe('unknown');
    const guessed = classifySignalBoundary(stale);
    expect(guessed).toMatchObject({ boundary: 'context_source', rule: 'words' });
    expect(guessed.confidence).toBeLessThan(0.5);
    expect(guessed.reasons[0]).toMatch(/^worded like "\w+"$/);
    // A rule reading the signal is never second-guessed by its words.
    const read = { title: '401 Unauthorized: the hours the bot gives do not match the website', kind: 'tool_error' } as const;
    expect(classifySignalBoundary(read)).toEqual(classifySignalBoundary(read, [], { words: false }));
  });

  it("decides a family by its words only when no rule read any of its signals, whatever their number", () => {
    const worded: BoundaryEvidence[] = Array.from({ length: 5 }, () => ({ title: 'the hours the bot gives do not match the website', kind: 'negative_feedback' }));
    expect(classifyBoundary(worded)).toMatchObject({ boundary: 'context_source', rule: 'words' });
    expect(classifyBoundary(worded).reasons[0]).toMatch(/^worded like .* in 5 of 5 signals$/);
    const withRule = [...worded, { title: 'HTTP 503 from the translation API', kind: 'tool_error', tool: 'translate' } as BoundaryEvidence];
    expect(classifyBoundary(withRule)).toMatchObject({ boundary: 'downstream_api', rule: 'builtin:http-status' });
  });

  it('stays small: a few thousand features', () => {
    expect(Object.keys(WORD_MODEL.weights).length).toBeLessThan(5_000);
    expect(Object.values(WORD_MODEL.weights).every((w) => w.length === 6)).toBe(true);
  });
});
