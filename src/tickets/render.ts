// Renders a family as a ticket (docs/contract.md section 7): title, labels, assignees and a body with every
// section and the hidden marker. Untrusted text (titles, descriptions, trace comments) is redacted and
// neutralized here, the last place before anything leaves recur.
import type { BoundarySource } from '../families/family_boundary.js';
import type { Boundary, FamilyStatus, FixStatus, Severity } from '../families/types.js';
import { redactSecrets } from '../redaction.js';
import { blockText, codeText, inlineText, titleText } from './inert_text.js';

export const SEVERITY_NAMES = ['urgent', 'high', 'medium', 'low'] as const;
export const EVIDENCE_SHOWN = 10;

export interface TicketView {
  family: {
    id: string;
    title: string;
    description: string | null;
    workflow: string;
    boundary: Boundary;
    /** Who decided the boundary, how well supported, and why (families.boundary_*). */
    boundarySource?: BoundarySource;
    boundaryConfidence?: number | null;
    boundaryReasons?: string[];
    severity: Severity;
    status: FamilyStatus;
    traceCount: number;
    eventCount: number;
    firstSeen: Date;
    lastSeen: Date;
    fixStatus: FixStatus;
    fixPullRequest: string | null;
    fixRelease: string | null;
    reopenCount: number;
  };
  /** `reason`: the ownership rule that matched, or who set the owner. */
  owner: { team: string | null; assignees: string[]; labels: string[]; matched: boolean; reason?: string | null };
  upstream: Array<{ source: string; id: string; url: string | null }>;
  /** Newest first, at most EVIDENCE_SHOWN. */
  /** `joined`: why the trace's event joined the family (joinPhrase), when recorded. */
  traces: Array<{ traceId: string; runId: string; url: string | null; comment: string | null; startTime: Date | null; joined?: string | null }>;
  evaluators: Array<{ id: string; suite: string; status: string }>;
  /** The pull request adding the evaluator to the repo, when recur opened one (recur.yaml evaluators.pull_requests). */
  regressionPullRequest?: { number: number; url: string } | null;
  guarded: boolean;
  gate: { blockAtSeverityLte: number };
  regressed: boolean;
  /**
   * Families of the workflow whose evidence is alike (families/grouping/related.ts), the most alike first:
   * offered for a merge, never merged unasked. `ticket`: theirs, when they have one; `otherSources`: no
   * source reported to both.
   */
  related?: Array<{ familyId: string; title: string; traceCount: number; score: number; shared: string[]; otherSources?: boolean; ticket: { number: number; url: string } | null }>;
}

export interface RenderedTicket {
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
}

export function familyMarker(familyId: string): string {
  return `<!-- recur:family=${familyId} -->`;
}

const MARKER = /<!-- recur:family=([0-9a-f-]{36}) -->/;

export function findFamilyMarker(body: string): string | null {
  return MARKER.exec(body)?.[1] ?? null;
}

export function ticketTitle(view: TicketView): string {
  const { severity, workflow, title } = view.family;
  return `[sev${severity}] ${titleText(workflow, 80)}: ${titleText(title, 180)}`;
}

export function ticketLabels(view: TicketView): string[] {
  const { family, owner } = view;
  const labels = ['recur', `sev:${family.severity}`, `boundary:${family.boundary}`, `workflow:${labelSafe(family.workflow)}`, ...owner.labels];
  if (view.regressed) labels.push('regressed');
  return [...new Set(labels)];
}

export function renderTicket(view: TicketView): RenderedTicket {
  return { title: ticketTitle(view), body: renderBody(view), labels: ticketLabels(view), assignees: [...view.owner.assignees] };
}

export function renderBody(view: TicketView): string {
  const { family } = view;
  const sections: Array<[string, string]> = [
    ['Failure', failureSection(view)],
    ['Workflow', inlineText(family.workflow, 200)],
    ['Severity', `sev${family.severity} (${SEVERITY_NAMES[family.severity]})`],
    ['Boundary', boundarySection(family)],
    ['Owner', ownerSection(view)],
    ['Evidence', evidenceSection(view)],
    ...(view.related?.length ? [['Possibly the same failure', relatedSection(view.related)] as [string, string]] : []),
    ['Upstream', upstreamSection(view)],
    ['Fix status', fixSection(view)],
    ['Regression coverage', coverageSection(view)],
    ['Reopen rule', reopenSection(view)],
  ];
  const body = sections.map(([heading, text]) => `### ${heading}\n${text}`).join('\n\n');
  return `${body}\n\n<sub>Managed by recur: edit the family, not this body; it is rewritten as evidence arrives.</sub>\n${familyMarker(family.id)}\n`;
}

function failureSection({ family }: TicketView): string {
  const title = `**${inlineText(family.title, 300)}**`;
  return family.description ? `${title}\n\n${blockText(family.description, 4000)}` : title;
}

const SOURCE_PHRASES: Record<BoundarySource, string> = {
  rules: "suspected, from recur's rules",
  explicit: 'stated by the signal source',
  config: 'from a recur.yaml `boundaries` rule',
  person: 'set by a person',
  learned: "learned from an engineer's correction of a family with the same evidence",
  model: "the model's judgement, not checked by recur's rules",
  words: 'a guess from the words of the signals: no rule read them',
};

const SET_IT = 'Wrong? Set it with a `boundary:<b>` label or `/recur boundary <b>`; recur keeps it and learns from it.';

/** The boundary, who decided it and why; reasons are untrusted text (tool names, a model's words) and shown inert. */
function boundarySection(family: TicketView['family']): string {
  const reasons = (family.boundaryReasons ?? []).slice(0, 4).map((r) => `- ${inlineText(r, 300)}`);
  if (family.boundary === 'unknown') {
    const head = family.boundarySource === 'person' ? '`unknown`: set by a person.' : '`unknown`: nothing in the evidence points at a boundary yet.';
    return [head, ...reasons, SET_IT].join('\n');
  }
  const source = SOURCE_PHRASES[family.boundarySource ?? 'rules'];
  const confidence = typeof family.boundaryConfidence === 'number' && family.boundarySource !== 'person' ? `, confidence ${family.boundaryConfidence.toFixed(2)}` : '';
  return [`\`${family.boundary}\` (${source}${confidence})`, ...reasons, ...(family.boundarySource === 'person' ? [] : [SET_IT])].join('\n');
}

function ownerSection({ owner }: TicketView): string {
  const why = owner.reason ? `Why: ${inlineText(owner.reason, 300)}` : null;
  if (!owner.matched) {
    const base = 'No ownership rule matched: labelled `needs-owner`. Add an `owners` rule to recur.yaml or a line to the owners file.';
    // A CODEOWNERS line without owners leaves a family unowned on purpose: say which.
    return why ? `${base}\n${why}` : base;
  }
  const parts: string[] = [];
  if (owner.team) parts.push(`Team: @${owner.team}`);
  if (owner.assignees.length > 0) parts.push(`Assignees: ${owner.assignees.map((a) => `@${a}`).join(', ')}`);
  if (parts.length === 0) parts.push('Matched an ownership rule with no team or assignees.');
  if (why) parts.push(why);
  return parts.join('\n');
}

/**
 * Why an event joined its family, from its occurrence (family_occurrences.matched_by and score); null when
 * it was not recorded (events older than that record).
 */
export function joinPhrase(matchedBy: string | null | undefined, score: number | null | undefined): string | null {
  const scored = (phrase: string) => (typeof score === 'number' ? `${phrase} (${score.toFixed(2)})` : phrase);
  switch (matchedBy) {
    case 'new':
      return 'first seen';
    case 'upstream':
      return 'grouped upstream';
    case 'fingerprint':
      return 'same error text';
    case 'template':
      return 'same template';
    case 'template_generalized':
      return 'same template (a value varies)';
    case 'similarity':
      return scored('similar wording');
    case 'semantic':
      return scored('close in meaning');
    case 'split_rule':
      return 'kept by a split';
    case 'legacy_fingerprint':
    case 'legacy_title':
      return 'matched under an earlier grouping version';
    default:
      return null;
  }
}

function evidenceSection({ family, traces }: TicketView): string {
  const summary = `${count(family.traceCount, 'trace')} in all; first seen ${day(family.firstSeen)}, last seen ${day(family.lastSeen)}.`;
  if (traces.length === 0) return `${summary}\nNo trace evidence yet.`;
  const lines = traces.map((t) => {
    const label = `trace ${codeText(t.traceId, 64)}`;
    const link = t.url ? `[${label}](${safeUrl(t.url)})` : label;
    const when = t.startTime ? ` · ${t.startTime.toISOString().replace('.000Z', 'Z')}` : '';
    const joined = t.joined ? ` · ${t.joined}` : '';
    const note = t.comment ? ` · ${inlineText(t.comment, 280)}` : '';
    return `- ${link}${when}${joined}${note}`;
  });
  const more = family.traceCount > traces.length ? `\nShowing the latest ${traces.length} of ${family.traceCount}.` : '';
  return `${summary}\n${lines.join('\n')}${more}`;
}

function relatedSection(related: NonNullable<TicketView['related']>): string {
  const lines = related.map((r) => {
    const where = r.ticket ? `[#${r.ticket.number}](${safeUrl(r.ticket.url)})` : `family ${codeText(r.familyId, 36)} (no issue yet)`;
    const shared = r.shared.length > 0 ? `: ${inlineText(r.shared.join(', '), 120)}` : '';
    const sources = r.otherSources ? ' (reported by other sources)' : '';
    return `- ${where} · **${inlineText(r.title, 200)}** · ${count(r.traceCount, 'trace')} · alike ${r.score.toFixed(2)}${sources}${shared}`;
  });
  const how = 'If one is this failure, comment `/recur merge #<its number>` here (same repository), or merge the families through the API.';
  return `Families of this workflow whose evidence is like this one's, kept apart because they share too little to join unasked.\n${lines.join('\n')}\n${how}`;
}

function upstreamSection({ upstream }: TicketView): string {
  if (upstream.length === 0) return 'None: grouped by recur.';
  return upstream
    .map((u) => {
      const name = u.source === 'langsmith' ? 'LangSmith issue' : `${inlineText(u.source, 40)} issue`;
      const id = codeText(u.id, 64);
      return u.url ? `- ${name} [${id}](${safeUrl(u.url)})` : `- ${name} ${id}`;
    })
    .join('\n');
}

function fixSection({ family }: TicketView): string {
  const pr = family.fixPullRequest ? ` · ${inlineText(family.fixPullRequest, 200)}` : '';
  const release = family.fixRelease ? ` · released in ${inlineText(family.fixRelease, 64)}` : '';
  if (family.fixStatus === 'none') return '`none`: link a pull request that says "Fixes #<this issue>" and recur tracks it.';
  return `\`${family.fixStatus}\`${pr}${release}`;
}

function coverageSection({ evaluators, family, gate, guarded, regressionPullRequest: pr }: TicketView): string {
  const gateLine =
    family.severity <= gate.blockAtSeverityLte
      ? `Release gate: blocks releases of this workflow while this family is open (sev ≤ ${gate.blockAtSeverityLte}).`
      : `Release gate: does not block (sev${family.severity} is above the gate's sev ≤ ${gate.blockAtSeverityLte}).`;
  if (evaluators.length === 0) return `No evaluator guards this family yet: **unguarded**.\n${gateLine}`;
  const lines = evaluators.map((e) => `- evaluator \`${e.id}\` · suite \`${e.suite}\` · ${e.status.replace('_', ' ')}`);
  const guard = guarded
    ? 'Guarded: a benchmark evaluator passed on a release containing the fix.'
    : '**Unguarded**: no benchmark evaluator has passed on a release containing the fix yet.';
  // No state here: GitHub shows the link's own (open, merged), which stays true after a merge recur has not seen.
  const proposed = pr ? `\nProposed to the repo in pull request [#${pr.number}](${safeUrl(pr.url)}).` : '';
  return `${lines.join('\n')}\n${guard}${proposed}\n${gateLine}`;
}

function reopenSection({ family }: TicketView): string {
  const reopened = family.reopenCount > 0 ? ` Reopened ${count(family.reopenCount, 'time')} so far.` : '';
  return `Reopens when a new trace joins this family after it is resolved (traces from releases older than the fix excepted), or when a guarding evaluator fails on a release.${reopened}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** Only http(s) links survive, with characters that would end the markdown link percent-encoded. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return '#';
    return parsed.toString().replace(/[()<>\s]/g, (c) => encodeURIComponent(c));
  } catch {
    return '#';
  }
}

/** Longest label part, in characters: GitHub allows 50 per label, and `workflow:` takes 9. */
const LABEL_PART_MAX = 40;

/**
 * A label made from the raw value: GitHub shows labels as plain text and escapes them itself, so markdown
 * escapes or entities here would show literally (`a-&lt;b&gt;`). Secrets are still redacted; commas and
 * whitespace become dashes, control characters go.
 */
export function labelSafe(text: string): string {
  const plain = redactSecrets(text)
    .trim()
    .replace(/[,\s]+/g, '-')
    .replace(/\p{Cc}/gu, '');
  const chars = [...plain];
  return chars.length <= LABEL_PART_MAX ? plain : `${chars.slice(0, LABEL_PART_MAX - 1).join('')}…`;
}

export interface RegressionCommentView {
  resolvedAt: Date | null;
  reopenCount: number;
  traces: Array<{ traceId: string; url: string | null; release: string | null; startTime: Date | null }>;
  totalNew: number;
}

/** The comment left when a resolved family comes back: what came back, where, and how often so far. */
export function renderRegressionComment(view: RegressionCommentView): string {
  const since = view.resolvedAt ? ` since it was resolved on ${day(view.resolvedAt)}` : ' after it was resolved';
  const lines = view.traces.map((t) => {
    const label = `trace ${codeText(t.traceId, 64)}`;
    const link = t.url ? `[${label}](${safeUrl(t.url)})` : label;
    const release = t.release ? ` · release ${codeText(t.release, 64)}` : '';
    const when = t.startTime ? ` · ${t.startTime.toISOString().replace('.000Z', 'Z')}` : '';
    return `- ${link}${release}${when}`;
  });
  const more = view.totalNew > view.traces.length ? `\n…and ${view.totalNew - view.traces.length} more.` : '';
  const evidence = lines.length ? `\n\n${lines.join('\n')}${more}` : '';
  return `**Regressed**: this failure came back${since} (${count(view.totalNew, 'new trace')}); reopened by recur, reopen #${view.reopenCount}.${evidence}`;
}
