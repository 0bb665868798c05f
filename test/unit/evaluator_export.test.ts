// The exported TypeScript evaluators compile and judge LangSmith-shaped run trees correctly.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { exportJson, exportTypeScript, type ExportInput } from '../../src/evaluators/export.js';
import type { EvaluatorSpec } from '../../src/evaluators/templates.js';

const base = (spec: EvaluatorSpec): ExportInput => ({
  id: '11111111-1111-4111-8111-111111111111', familyId: '22222222-2222-4222-8222-222222222222', workflow: 'refunds', suite: 'benchmark', revision: 2, spec,
  examples: [{ trace_id: 't1', run_id: 'r1', url: 'https://smith.langchain.com/x', note: 'n' }],
});

async function load(source: string): Promise<Record<string, any>> {
  const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, reportDiagnostics: true });
  expect(out.diagnostics ?? []).toEqual([]);
  return import(`data:text/javascript;base64,${Buffer.from(out.outputText).toString('base64')}`);
}

let clock = 0;
const tool = (name: string, extra: Record<string, unknown> = {}) => ({ name, run_type: 'tool', start_time: ++clock, end_time: clock + 10, child_runs: [], ...extra });
const run = (...children: object[]) => ({ name: 'agent', run_type: 'chain', start_time: 0, end_time: 100, child_runs: children });

describe('exported evaluators', () => {
  it('tool_order passes when first runs before then, fails otherwise', async () => {
    const mod = await load(exportTypeScript(base({ version: 1, type: 'tool_order', first: 'lookup_refund_policy', then: 'issue_refund', rationale: 'r' })));
    expect(mod.EVALUATOR_ID).toBe('11111111-1111-4111-8111-111111111111');
    expect(mod.recurToolOrder({ run: run(tool('lookup_refund_policy'), tool('issue_refund')) }).score).toBe(1);
    expect(mod.recurToolOrder({ run: run(tool('issue_refund'), tool('lookup_refund_policy')) })).toMatchObject({ key: 'recur_tool_order', score: 0 });
    expect(mod.recurToolOrder({ run: run(tool('search')) }).score).toBe(1);
  });

  it('tool_loop counts consecutive calls', async () => {
    const mod = await load(exportTypeScript(base({ version: 1, type: 'tool_loop', tool: 'lookup_order', max_consecutive: 3, rationale: 'r' })));
    expect(mod.recurToolLoop({ run: run(tool('lookup_order'), tool('lookup_order'), tool('x'), tool('lookup_order')) }).score).toBe(1);
    expect(mod.recurToolLoop({ run: run(...Array.from({ length: 4 }, () => tool('lookup_order'))) }).score).toBe(0);
  });

  it('forbidden_error matches the failure by its template', async () => {
    const mod = await load(exportTypeScript(base({ version: 1, type: 'forbidden_error', tool: 'lookup_order', error_type: 'KeyError', message_pattern: 'KeyError: order .+? has no shipping_address', rationale: 'r' })));
    expect(mod.recurForbiddenError({ run: run(tool('lookup_order', { error: 'KeyError: order 99 has no shipping_address' })) }).score).toBe(0);
    expect(mod.recurForbiddenError({ run: run(tool('lookup_order', { error: 'KeyError: order 99 has no billing_address' })) }).score).toBe(1);
  });

  it('latency_bound looks at the named tool', async () => {
    const mod = await load(exportTypeScript(base({ version: 1, type: 'latency_bound', tool: 'lookup_order', max_ms: 5, rationale: 'r' })));
    expect(mod.recurLatencyBound({ run: run(tool('lookup_order')) }).score).toBe(0);
    expect(mod.recurLatencyBound({ run: run(tool('other')) }).score).toBe(1);
  });

  it('output_rubric compiles into an openevals judge, and the JSON export carries the spec', () => {
    const spec: EvaluatorSpec = { version: 1, type: 'output_rubric', prompt: 'Grade "this" run.', pass_criteria: ['a', 'b'], rationale: 'r' };
    const out = ts.transpileModule(exportTypeScript(base(spec)), { compilerOptions: { module: ts.ModuleKind.ESNext }, reportDiagnostics: true });
    expect(out.diagnostics ?? []).toEqual([]);
    expect(out.outputText).toContain("from 'openevals'");
    expect(JSON.parse(exportJson(base(spec)))).toMatchObject({ evaluator_id: '11111111-1111-4111-8111-111111111111', spec, revision: 2 });
  });

  it('keeps hostile tool and workflow names inert: they cannot end a comment or a string and run as code', async () => {
    const hostile = 'x`; globalThis.pwned = 1; `${globalThis.pwned = 2}';
    const workflow = 'refunds\nglobalThis.pwned = 3;\u2028globalThis.pwned = 4;';
    const loop = await load(exportTypeScript({ ...base({ version: 1, type: 'tool_loop', tool: hostile, max_consecutive: 1, rationale: 'r\rglobalThis.pwned = 5;' }), workflow }));
    const latency = await load(exportTypeScript({ ...base({ version: 1, type: 'latency_bound', tool: hostile, max_ms: 5, rationale: 'r' }), workflow }));
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
    expect(loop.recurToolLoop({ run: run(tool(hostile), tool(hostile)) }).comment).toBe(`${hostile} ran 2 times in a row (at most 1)`);
    expect(latency.recurLatencyBound({ run: run(tool(hostile)) }).comment).toBe(`slowest ${hostile}: 10 ms (at most 5)`);
  });
});
