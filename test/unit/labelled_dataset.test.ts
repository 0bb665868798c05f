// Integrity of the labelled clustering dataset itself (not of recur's clustering): shape, counts, labels,
// near-miss documentation and deterministic regeneration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildDataset, DATASET_PATH, serializeDataset, type LabelledDataset } from '../fixtures/signals/generate.js';

const rfc3339 = z.iso.datetime({ offset: true });

/** The POST /v1/signals contract, strict so that a misspelt field fails. */
const SignalSchema = z.strictObject({
  id: z.string().min(1),
  source: z.string().min(1),
  kind: z.enum(['tool_error', 'timeout', 'eval_failure', 'negative_feedback', 'anomaly', 'guardrail', 'other']),
  workflow: z.string().min(1),
  title: z.string().min(1),
  message: z.string().min(1).optional(),
  severity: z.int().min(0).max(3).optional(),
  boundary: z
    .enum(['prompt', 'tool_contract', 'context_source', 'model_route', 'permission', 'downstream_api', 'unknown'])
    .optional(),
  tool: z.string().optional(),
  error_type: z.string().optional(),
  release: z.string().optional(),
  environment: z.string().optional(),
  tenant: z.string().optional(),
  trace: z
    .strictObject({
      trace_id: z.string().min(1),
      run_id: z.string().optional(),
      url: z.url().optional(),
      start_time: rfc3339.optional(),
    })
    .optional(),
  occurred_at: rfc3339,
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const DatasetSchema = z.strictObject({
  version: z.literal(1),
  description: z.string().min(1),
  families: z.array(z.strictObject({ label: z.string().min(1), notes: z.string().min(1) })),
  near_misses: z.array(
    z.strictObject({ labels: z.array(z.string()).min(2), reason: z.string().min(1), why: z.string().min(1) }),
  ),
  signals: z.array(z.strictObject({ label: z.string().min(1), signal: SignalSchema })),
});

const committedText = readFileSync(DATASET_PATH, 'utf8');
const committed = JSON.parse(committedText) as LabelledDataset;

function byLabel(d: LabelledDataset): Map<string, LabelledDataset['signals']> {
  const m = new Map<string, LabelledDataset['signals']>();
  for (const s of d.signals) {
    const list = m.get(s.label) ?? [];
    list.push(s);
    m.set(s.label, list);
  }
  return m;
}

describe('labelled signals dataset', () => {
  it('matches the contract shape', () => {
    const parsed = DatasetSchema.safeParse(committed);
    expect(parsed.success ? [] : parsed.error.issues.slice(0, 5)).toEqual([]);
  });

  it('is large and varied enough', () => {
    const families = byLabel(committed);
    expect(committed.signals.length).toBeGreaterThanOrEqual(300);
    expect(committed.families.length).toBeGreaterThanOrEqual(40);
    expect(families.size).toBe(committed.families.length);

    const sizes = [...families.values()].map((l) => l.length);
    expect(sizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(15);
    expect(new Set(sizes).size).toBeGreaterThanOrEqual(10);

    const sigs = committed.signals.map((s) => s.signal);
    expect(new Set(sigs.map((s) => s.workflow)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(sigs.map((s) => s.source)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(sigs.map((s) => s.kind)).size).toBe(7);

    const tenantsByWorkflow = new Map<string, Set<string>>();
    for (const s of sigs) {
      if (s.tenant === undefined) continue;
      const set = tenantsByWorkflow.get(s.workflow) ?? new Set<string>();
      set.add(s.tenant);
      tenantsByWorkflow.set(s.workflow, set);
    }
    expect([...tenantsByWorkflow.values()].filter((t) => t.size >= 2).length).toBeGreaterThanOrEqual(2);

    // Most signals carry a message; some families set a boundary and some leave it out.
    expect(sigs.filter((s) => s.message !== undefined).length / sigs.length).toBeGreaterThan(0.5);
    expect(sigs.some((s) => s.boundary === undefined)).toBe(true);
    expect(sigs.some((s) => s.boundary !== undefined)).toBe(true);
  });

  it('has unique (source, id) and unique trace ids', () => {
    const ids = committed.signals.map((s) => `${s.signal.source}\u0000${s.signal.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    const traces = committed.signals.flatMap((s) => (s.signal.trace ? [s.signal.trace.trace_id] : []));
    expect(new Set(traces).size).toBe(traces.length);
  });

  it('spreads occurred_at over 2026-11-15..2026-11-21', () => {
    const days = new Set<string>();
    for (const { signal } of committed.signals) {
      const t = Date.parse(signal.occurred_at);
      expect(t).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 15));
      expect(t).toBeLessThan(Date.UTC(2026, 10, 22));
      days.add(signal.occurred_at.slice(0, 10));
      if (signal.trace?.start_time !== undefined) expect(Date.parse(signal.trace.start_time)).toBeLessThanOrEqual(t);
    }
    expect(days.size).toBe(7);
  });

  it('declares every label once, and every declared family has signals', () => {
    const declared = committed.families.map((f) => f.label);
    expect(new Set(declared).size).toBe(declared.length);
    const used = new Set(committed.signals.map((s) => s.label));
    expect([...used].filter((l) => !declared.includes(l))).toEqual([]);
    expect(declared.filter((l) => !used.has(l))).toEqual([]);
  });

  it('keeps workflow, tenant, kind, tool, error_type and boundary fixed within a family', () => {
    for (const [label, list] of byLabel(committed)) {
      for (const key of ['workflow', 'tenant', 'kind', 'tool', 'error_type', 'boundary'] as const) {
        const values = new Set(list.map((s) => s.signal[key]));
        expect({ label, key, values: [...values] }).toEqual({ label, key, values: [list[0]?.signal[key]] });
      }
    }
  });

  it('varies what recurrences vary: multi-signal families are not copies of one signal', () => {
    for (const [label, list] of byLabel(committed)) {
      if (list.length < 3) continue;
      const texts = new Set(list.map((s) => `${s.signal.title}\n${s.signal.message ?? ''}`));
      // Title-only families vary by paraphrase, the others by ids and numbers; a family whose every
      // signal repeats one text would test nothing.
      expect({ label, distinct: texts.size > 1 }).toEqual({ label, distinct: true });
    }
  });

  it('documents at least 12 near-miss groups, each in the notes of every family involved', () => {
    const declared = new Map(committed.families.map((f) => [f.label, f.notes]));
    expect(committed.near_misses.length).toBeGreaterThanOrEqual(12);
    const reasons = new Set(committed.near_misses.map((n) => n.reason));
    for (const r of [
      'same_tool_other_error',
      'same_error_other_tool',
      'same_title_other_workflow',
      'same_message_other_tenant',
      'same_tool_and_error_type_other_template',
      'similar_title_other_meaning',
      'other_kind_similar_text',
    ]) {
      expect(reasons).toContain(r);
    }
    for (const nm of committed.near_misses) {
      expect(new Set(nm.labels).size).toBe(nm.labels.length);
      for (const label of nm.labels) {
        const notes = declared.get(label);
        expect(notes, label).toBeDefined();
        expect(notes, label).toMatch(/Near-miss/);
        // Each family's notes name at least one other member of the group.
        expect(
          nm.labels.some((other) => other !== label && notes!.includes(other)),
          `${label} notes should name its near-miss`,
        ).toBe(true);
      }
    }
  });

  it('near-miss families differ in exactly the dimension they are said to differ in', () => {
    const families = byLabel(committed);
    const first = (label: string) => families.get(label)?.[0]?.signal;
    for (const nm of committed.near_misses) {
      const [a, b] = nm.labels.map(first);
      expect(a && b, nm.labels.join(' vs ')).toBeTruthy();
      if (!a || !b) continue;
      const what = nm.labels.join(' vs ');
      switch (nm.reason) {
        case 'same_tool_other_error':
          expect(a.tool, what).toBe(b.tool);
          expect(a.error_type, what).not.toBe(b.error_type);
          break;
        case 'same_error_other_tool':
          expect(a.error_type, what).toBe(b.error_type);
          expect(a.tool, what).not.toBe(b.tool);
          break;
        case 'same_title_other_workflow':
          expect(a.workflow, what).not.toBe(b.workflow);
          expect(families.get(nm.labels[0]!)!.map((s) => s.signal.title)).toEqual(
            expect.arrayContaining([b.title]),
          );
          break;
        case 'same_message_other_tenant':
          expect(a.tenant, what).not.toBe(b.tenant);
          expect([a.workflow, a.kind, a.tool, a.error_type], what).toEqual([b.workflow, b.kind, b.tool, b.error_type]);
          break;
        case 'same_tool_and_error_type_other_template':
          expect([a.workflow, a.tool, a.error_type], what).toEqual([b.workflow, b.tool, b.error_type]);
          expect(a.message, what).not.toBe(b.message);
          break;
        case 'similar_title_other_meaning':
          expect([a.workflow, a.tenant, a.kind], what).toEqual([b.workflow, b.tenant, b.kind]);
          break;
        case 'other_kind_similar_text':
          expect(a.kind, what).not.toBe(b.kind);
          expect([a.workflow, a.tenant], what).toEqual([b.workflow, b.tenant]);
          break;
        default:
          throw new Error(`unknown near-miss reason ${nm.reason}`);
      }
    }
  });

  it('regenerates deterministically and matches the committed file byte for byte', () => {
    const a = buildDataset();
    const b = buildDataset();
    expect(a).toStrictEqual(b);
    expect(a).toStrictEqual(committed);
    expect(serializeDataset(a)).toBe(committedText);
  });
});
