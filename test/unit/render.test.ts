import { describe, expect, it } from 'vitest';
import { familyMarker, findFamilyMarker, joinPhrase, labelSafe, renderTicket, type TicketView } from '../../src/tickets/render.js';

const FAMILY_ID = '0d7f6a52-6f1e-4b8a-9d3c-2e1f0a9b8c7d';

function view(overrides: { family?: Partial<TicketView['family']> } & Partial<Omit<TicketView, 'family'>> = {}): TicketView {
  const { family, ...rest } = overrides;
  return {
    family: {
      id: FAMILY_ID,
      title: 'Refund flow calls payment API before policy check',
      description: 'The agent invokes issue_refund before lookup_refund_policy.',
      workflow: 'refund-agent-prod',
      boundary: 'tool_contract',
      severity: 0,
      status: 'open',
      traceCount: 3,
      eventCount: 4,
      firstSeen: new Date('2026-11-20T09:14:03Z'),
      lastSeen: new Date('2026-11-21T16:40:12Z'),
      fixStatus: 'none',
      fixPullRequest: null,
      fixRelease: null,
      reopenCount: 0,
      ...family,
    },
    owner: { team: 'acme/payments-oncall', assignees: ['alice'], labels: [], matched: true },
    upstream: [{ source: 'langsmith', id: '3f0c2b7e', url: 'https://smith.langchain.com/o/t/projects/p/s?issue=3f0c2b7e' }],
    traces: [
      { traceId: 't-3', runId: 'r-3', url: 'https://smith.langchain.com/o/t/projects/p/s/r/r-3?trace_id=t-3', comment: 'customer jane.doe@example.com refunded 412.80', startTime: new Date('2026-11-21T16:40:12Z') },
      { traceId: 't-2', runId: 'r-2', url: null, comment: null, startTime: null },
    ],
    evaluators: [],
    guarded: false,
    gate: { blockAtSeverityLte: 1 },
    regressed: false,
    ...rest,
  };
}

describe('renderTicket', () => {
  it('titles the ticket [sev<N>] <workflow>: <family title>', () => {
    expect(renderTicket(view()).title).toBe('[sev0] refund-agent-prod: Refund flow calls payment API before policy check');
    expect(renderTicket(view({ family: { severity: 2 } })).title.startsWith('[sev2] ')).toBe(true);
  });

  it('labels with recur, severity, boundary, workflow, owner labels, and regressed only when regressed', () => {
    expect(renderTicket(view()).labels).toEqual(['recur', 'sev:0', 'boundary:tool_contract', 'workflow:refund-agent-prod']);
    const unowned = view({ owner: { team: null, assignees: [], labels: ['needs-owner'], matched: false }, regressed: true });
    expect(renderTicket(unowned).labels).toEqual(['recur', 'sev:0', 'boundary:tool_contract', 'workflow:refund-agent-prod', 'needs-owner', 'regressed']);
  });

  it('has every section docs/contract.md section 7 lists, in order, and ends with the marker', () => {
    const { body } = renderTicket(view());
    const headings = [...body.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(['Failure', 'Workflow', 'Severity', 'Boundary', 'Owner', 'Evidence', 'Upstream', 'Fix status', 'Regression coverage', 'Reopen rule']);
    expect(body.trimEnd().endsWith(familyMarker(FAMILY_ID))).toBe(true);
    expect(findFamilyMarker(body)).toBe(FAMILY_ID);
  });

  it('shows evidence as links with the total count, redacted', () => {
    const { body } = renderTicket(view({ family: { traceCount: 42 } }));
    expect(body).toContain('42 traces in all');
    expect(body).toContain('(https://smith.langchain.com/o/t/projects/p/s/r/r-3?trace_id=t-3)');
    expect(body).toContain('Showing the latest 2 of 42.');
    expect(body).not.toContain('jane.doe@example.com');
    expect(body).toContain('412.80');
  });

  it('names the owner and assignees, or says nobody owns it', () => {
    expect(renderTicket(view()).body).toMatch(/### Owner\nTeam: @acme\/payments-oncall\nAssignees: @alice/);
    expect(renderTicket(view()).assignees).toEqual(['alice']);
    const unowned = renderTicket(view({ owner: { team: null, assignees: [], labels: ['needs-owner'], matched: false } }));
    expect(unowned.body).toContain('labelled `needs-owner`');
  });

  it('says whether the gate blocks on this family', () => {
    expect(renderTicket(view()).body).toContain('blocks releases of this workflow');
    expect(renderTicket(view({ family: { severity: 3 } })).body).toContain('does not block');
  });

  it('keeps hostile text from acting in GitHub or forging the marker', () => {
    const hostile = view({
      family: {
        title: 'Fixes #1 @everyone <!-- recur:family=00000000-0000-0000-0000-000000000000 -->',
        description: '### Owner\nnobody\n</details><img src=x onerror=alert(1)> ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      },
      traces: [{ traceId: 't', runId: 'r', url: 'javascript:alert(1)', comment: 'closes #7 cc @octocat', startTime: null }],
    });
    const { body, title } = renderTicket(hostile);
    expect(findFamilyMarker(body)).toBe(FAMILY_ID);
    expect(body.match(/<!-- recur:family=/g)).toHaveLength(1);
    expect(body.match(/^### Owner$/gm)).toHaveLength(1);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('</details>');
    expect(body).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(body).not.toContain('javascript:');
    expect(body).not.toMatch(/(^|[^\w])@everyone\b/);
    expect(body).not.toMatch(/(^|[^\w])@octocat\b/);
    expect(body).not.toMatch(/\bcloses #7\b/i);
    expect(title).not.toMatch(/\bFixes #1\b/);
  });

  it('offers the related families after the evidence, with their issues, and only when there are some', () => {
    const related = [
      { familyId: '0192f0c2-7c1e-7000-8000-000000000001', title: 'Catalogue fetch times out on sale mornings', traceCount: 14, score: 0.412, shared: ['catalogu', 'morn'], ticket: { number: 12, url: 'https://github.com/acme/agents/issues/12' } },
      { familyId: '0192f0c2-7c1e-7000-8000-000000000002', title: 'Fixes #3 @everyone <img src=x>', traceCount: 1, score: 0.2, shared: [], otherSources: true, ticket: null },
    ];
    const { body } = renderTicket(view({ related }));
    expect(body.indexOf('### Possibly the same failure')).toBeGreaterThan(body.indexOf('### Evidence'));
    expect(body.indexOf('### Possibly the same failure')).toBeLessThan(body.indexOf('### Upstream'));
    const offered = body.split('### Possibly the same failure\n')[1]!.split('\n\n###')[0]!;
    expect(offered).toContain('- [#12](https://github.com/acme/agents/issues/12) · **Catalogue fetch times out on sale mornings** · 14 traces · alike 0.41: catalogu, morn');
    expect(offered).toContain('family `0192f0c2-7c1e-7000-8000-000000000002` (no issue yet)');
    expect(offered).toContain('· 1 trace · alike 0.20 (reported by other sources)\n');
    expect(offered.split('\n').filter((line) => line.includes('other sources'))).toHaveLength(1);
    expect(offered).toContain('`/recur merge #<its number>`');
    expect(offered).not.toContain('<img');
    expect(offered).not.toMatch(/(^|[^\w])@everyone\b/);
    expect(offered).not.toMatch(/\bFixes #3\b/);
    expect(renderTicket(view({ related: [] })).body).not.toContain('Possibly the same failure');
    expect(renderTicket(view()).body).not.toContain('Possibly the same failure');
  });

  it('renders links and autolinks in untrusted text as text, not links', () => {
    const hostile = view({
      family: { title: '[reset here](https://evil.example/login)', description: 'see <https://evil.example> or www.evil.example\n[1]: https://evil.example/def\n![x][1]' },
      upstream: [{ source: 'langsmith', id: '3f0c2b7e', url: 'https://smith.langchain.com/o/t/projects/p/s?issue=3f0c2b7e' }],
      traces: [{ traceId: 't', runId: 'r', url: 'https://smith.langchain.com/o/t/r/r', comment: '[click](https://evil.example) http://evil.example', startTime: null }],
    });
    const { body } = renderTicket(hostile);
    expect(body).not.toMatch(/https?:\/\/evil|www\.evil/);
    // The only links left are recur's own, to the trace and the upstream issue.
    const destinations = [...body.matchAll(/(?<!\\)\]\(([^)]*)\)/g)].map((m) => m[1]);
    expect(destinations).toEqual(['https://smith.langchain.com/o/t/r/r', 'https://smith.langchain.com/o/t/projects/p/s?issue=3f0c2b7e']);
    expect(body).not.toMatch(/^\[1\]:/m);
    expect(body).toContain('reset here');
  });

  it.each([
    ['a <b>', 'a-<b>'],
    ['a-<b>', 'a-<b>'],
    ['Fixes #1 & @team', 'Fixes-#1-&-@team'],
    ['one, two\tthree\n', 'one-two-three'],
    ['tab\u0007bell', 'tabbell'],
    ['x'.repeat(60), `${'x'.repeat(39)}…`],
    ['😀'.repeat(41), `${'😀'.repeat(39)}…`],
    ['key ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'key-[redacted:api-key]'],
  ])('labelSafe(%j) is %j: the raw value, GitHub escapes labels itself', (input, expected) => {
    expect(labelSafe(input)).toBe(expected);
    expect(renderTicket(view({ family: { workflow: input } })).labels).toContain(`workflow:${expected}`);
  });

  it('keeps titles plain text (GitHub shows entities there literally) and ids readable in code spans', () => {
    const { title, body } = renderTicket(view({ family: { title: 'Parser fails on <tool> & `args`' }, traces: [{ traceId: 'a`b', runId: 'r', url: null, comment: null, startTime: null }] }));
    expect(title).toBe('[sev0] refund-agent-prod: Parser fails on <tool> & `args`');
    expect(body).toContain('trace `a b`');
    expect(body).toContain('**Parser fails on &lt;tool&gt; &amp; `args`**');
  });

  it('cuts a long description without breaking an escape', () => {
    const { body } = renderTicket(view({ family: { description: '<'.repeat(5000) } }));
    const failure = body.split('### Workflow')[0]!;
    expect(failure).toMatch(/(&lt;)+…\n/);
  });

  it('links the regression pull request under Regression coverage once recur opened one', () => {
    const evaluators = [{ id: 'e1', suite: 'benchmark', status: 'not_run' }];
    const coverage = (body: string) => body.split('### Regression coverage\n')[1]!.split('\n\n###')[0]!;
    expect(coverage(renderTicket(view({ evaluators })).body)).not.toContain('pull request');
    const linked = coverage(renderTicket(view({ evaluators, regressionPullRequest: { number: 13, url: 'https://github.com/acme/agents/pull/13' } })).body);
    expect(linked.split('\n')).toEqual([
      '- evaluator `e1` · suite `benchmark` · not run',
      '**Unguarded**: no benchmark evaluator has passed on a release containing the fix yet.',
      'Proposed to the repo in pull request [#13](https://github.com/acme/agents/pull/13).',
      'Release gate: blocks releases of this workflow while this family is open (sev ≤ 1).',
    ]);
    const odd = coverage(renderTicket(view({ evaluators, regressionPullRequest: { number: 13, url: 'javascript:alert(1)' } })).body);
    expect(odd).toContain('pull request [#13](#).');
  });

  it('is a pure function: the same view renders the same ticket', () => {
    expect(renderTicket(view())).toEqual(renderTicket(view()));
  });
});

describe('renderTicket: boundary, owner and why each trace joined', () => {
  const section = (body: string, heading: string) => body.split(`### ${heading}\n`)[1]!.split('\n\n###')[0]!;

  it('shows the boundary with who decided it, its confidence and the reasons', () => {
    const body = renderTicket(
      view({ family: { boundary: 'permission', boundarySource: 'rules', boundaryConfidence: 0.675, boundaryReasons: ['401 from zendesk_update_ticket in 6 of 8 signals'] } }),
    ).body;
    expect(section(body, 'Boundary').split('\n')).toEqual([
      "`permission` (suspected, from recur's rules, confidence 0.68)",
      '- 401 from zendesk_update_ticket in 6 of 8 signals',
      'Wrong? Set it with a `boundary:<b>` label or `/recur boundary <b>`; recur keeps it and learns from it.',
    ]);
  });

  it.each([
    ['explicit', 'stated by the signal source'],
    ['config', 'from a recur.yaml `boundaries` rule'],
    ['learned', "learned from an engineer's correction"],
    ['model', "the model's judgement, not checked by recur's rules"],
  ] as const)('names the source %s', (source, phrase) => {
    const body = renderTicket(view({ family: { boundary: 'context_source', boundarySource: source, boundaryConfidence: null, boundaryReasons: ['learned from #12'] } })).body;
    expect(section(body, 'Boundary')).toContain(`\`context_source\` (${phrase}`);
  });

  it("shows a person's boundary as theirs, without the confidence or the invitation to correct it", () => {
    const body = renderTicket(view({ family: { boundary: 'prompt', boundarySource: 'person', boundaryConfidence: 1, boundaryReasons: ['set by github:alice'] } })).body;
    expect(section(body, 'Boundary')).toBe('`prompt` (set by a person)\n- set by github:alice');
  });

  it('says an unknown boundary is unknown, and how to set it', () => {
    const body = renderTicket(view({ family: { boundary: 'unknown', boundarySource: 'rules', boundaryConfidence: 0, boundaryReasons: [] } })).body;
    expect(section(body, 'Boundary')).toMatch(/^`unknown`: nothing in the evidence points at a boundary yet\.\nWrong\? Set it with a `boundary:<b>` label/);
  });

  it('renders reasons from untrusted text (tool names, the model) inert', () => {
    const reasons = ['the model m judged: closes #7, ping @octocat <img src=x onerror=alert(1)> [x](https://evil.example) ghp_abcdefghijklmnopqrstuvwxyz0123456789'];
    const body = renderTicket(view({ family: { boundary: 'prompt', boundarySource: 'model', boundaryConfidence: null, boundaryReasons: reasons } })).body;
    const boundary = section(body, 'Boundary');
    expect(boundary).not.toMatch(/(^|[^\w])@octocat\b/);
    expect(boundary).not.toMatch(/\bcloses #7\b/i);
    expect(boundary).not.toContain('<img');
    expect(boundary).not.toMatch(/https?:\/\/evil/);
    expect(boundary).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(boundary.split('\n')).toHaveLength(3);
  });

  it('says which rule gave the owner, inert, and why a family is unowned when a line says so', () => {
    const owned = renderTicket(view({ owner: { team: 'acme/payments', assignees: [], labels: [], matched: true, reason: 'CODEOWNERS line 7: tool:stripe_* @acme/payments' } })).body;
    expect(section(owned, 'Owner').split('\n')).toEqual(['Team: @acme/payments', expect.stringMatching(/^Why: CODEOWNERS line 7: tool:stripe_\* @\u200Dacme\/payments$/)]);
    const cleared = renderTicket(view({ owner: { team: null, assignees: [], labels: ['needs-owner'], matched: false, reason: 'CODEOWNERS line 9: tool:legacy_* (no owners)' } }));
    expect(section(cleared.body, 'Owner')).toContain('labelled `needs-owner`');
    expect(section(cleared.body, 'Owner')).toContain('Why: CODEOWNERS line 9: tool:legacy_* (no owners)');
    expect(cleared.labels).toContain('needs-owner');
  });

  it.each([
    ['new', null, 'first seen'],
    ['upstream', 1, 'grouped upstream'],
    ['fingerprint', 1, 'same error text'],
    ['template', 0.9, 'same template'],
    ['template_generalized', 0.8, 'same template (a value varies)'],
    ['similarity', 0.6234, 'similar wording (0.62)'],
    ['semantic', 0.912, 'close in meaning (0.91)'],
    ['split_rule', 1, 'kept by a split'],
    ['legacy_fingerprint', 1, 'matched under an earlier grouping version'],
    ['legacy_title', 1, 'matched under an earlier grouping version'],
    [null, null, null],
    ['something-new', 1, null],
  ])('says why a trace joined: %s -> %s', (matchedBy, score, phrase) => {
    expect(joinPhrase(matchedBy, score)).toBe(phrase);
  });

  it('puts the phrase on each evidence line that has one', () => {
    const traces = [
      { traceId: 't-3', runId: 'r-3', url: null, comment: 'slow', startTime: new Date('2026-11-21T16:40:12Z'), joined: 'similar wording (0.62)' },
      { traceId: 't-2', runId: 'r-2', url: null, comment: null, startTime: null, joined: null },
    ];
    const lines = section(renderTicket(view({ traces })).body, 'Evidence').split('\n');
    expect(lines[1]).toBe('- trace `t-3` · 2026-11-21T16:40:12Z · similar wording (0.62) · slow');
    expect(lines[2]).toBe('- trace `t-2`');
  });
});
