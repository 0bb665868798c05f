// The overview page as a pure function of its data. Every value is untrusted text (titles come from webhooks)
// and is escaped by hono's html tag; links are made only from http(s) URLs.
import { html } from 'hono/html';
import { FAMILY_STATUSES, type FamilyStatus } from '../../families/types.js';
import { renderPage, safeHref, type Html } from './layout.js';
import type { OverviewData, OverviewFamily, OverviewGate } from './overview_data.js';
import { renderSparkline } from './sparkline.js';

const SEVERITIES: readonly number[] = [0, 1, 2, 3];

export function renderOverview(data: OverviewData): string {
  return renderPage({
    title: 'recur · overview',
    current: '/',
    body: html`<h1>Overview</h1>
${familyCounts(data)}
${familyTable(data)}
${gateTable(data)}
${queueHealth(data)}
<p class="muted">As of <time datetime="${data.now.toISOString()}">${data.now.toISOString()}</time>.</p>`,
  });
}

/** "5 min ago": how long before `now` a moment was, in the largest unit that fits. */
export function timeAgo(then: Date, now: Date): string {
  const s = Math.floor((now.getTime() - then.getTime()) / 1000);
  if (s < 60) return s < 0 ? 'in the future' : 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** How long something has waited, for ages that are not "ago" but "for". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

function familyCounts(data: OverviewData): Html {
  const cell = (status: FamilyStatus, severity: number) => data.counts.find((c) => c.status === status && c.severity === severity)?.count ?? 0;
  const byStatus = (status: FamilyStatus) => SEVERITIES.reduce((sum, sev) => sum + cell(status, sev), 0);
  const bySeverity = (severity: number) => FAMILY_STATUSES.reduce((sum, st) => sum + cell(st, severity), 0);
  const total = data.counts.reduce((sum, c) => sum + c.count, 0);
  return html`<section class="panel" aria-labelledby="families-by-status">
<h2 id="families-by-status">Families by status and severity</h2>
<div class="cards">${FAMILY_STATUSES.map(
    (st) => html`<div class="card${(st === 'open' || st === 'regressed') && byStatus(st) > 0 ? ' alert' : ''}" data-status="${st}"><div class="value">${byStatus(st)}</div><div class="label">${st}</div></div>`,
  )}</div>
<table class="counts">
<thead><tr><th>status</th>${SEVERITIES.map((s) => html`<th class="num">sev${s}</th>`)}<th class="num">total</th></tr></thead>
<tbody>${FAMILY_STATUSES.map(
    (st) => html`<tr data-status="${st}"><td><span class="badge status-${st}">${st}</span></td>${SEVERITIES.map((sev) => html`<td class="num">${cell(st, sev)}</td>`)}<td class="num">${byStatus(st)}</td></tr>`,
  )}</tbody>
<tfoot><tr><th>all</th>${SEVERITIES.map((sev) => html`<th class="num">${bySeverity(sev)}</th>`)}<th class="num">${total}</th></tr></tfoot>
</table>
</section>`;
}

function familyTable(data: OverviewData): Html {
  return html`<section class="panel" aria-labelledby="urgent-families">
<h2 id="urgent-families">Most urgent families</h2>
${
  data.families.length === 0
    ? html`<p class="muted">No failure families yet. Send a webhook to <code>/webhooks/langsmith</code> or a signal to <code>/v1/signals</code>.</p>`
    : html`<table class="families">
<thead><tr><th>sev</th><th>status</th><th>family</th><th>ticket</th><th>workflow</th><th>boundary</th><th>owner</th><th>last seen</th><th class="num">traces</th><th>last ${data.families[0]!.daily.length} days</th></tr></thead>
<tbody>${data.families.map((f) => familyRow(f, data.now))}</tbody>
</table>`
}
</section>`;
}

function familyRow(f: OverviewFamily, now: Date): Html {
  const owner = [f.owner.team, ...f.owner.assignees.map((a) => `@${a}`)].filter(Boolean).join(' ');
  const lastSeen = new Date(f.last_seen);
  return html`<tr data-family-id="${f.id}">
<td><span class="badge sev-${f.severity}">sev${f.severity}</span></td>
<td><span class="badge status-${f.status}">${f.status}</span></td>
<td class="title">${f.title}<div class="muted mono">${f.id}</div></td>
<td>${ticketCell(f.ticket)}</td>
<td>${f.workflow}</td>
<td>${f.boundary}</td>
<td>${owner || html`<span class="muted">none</span>`}</td>
<td><time datetime="${f.last_seen}" title="${f.last_seen}">${timeAgo(lastSeen, now)}</time></td>
<td class="num">${f.trace_count}</td>
<td>${renderSparkline(f.daily)}</td>
</tr>`;
}

function ticketCell(ticket: OverviewFamily['ticket']): Html | string {
  if (!ticket) return html`<span class="muted">none</span>`;
  const label = `${ticket.repo}#${ticket.number}`;
  const href = safeHref(ticket.url);
  const link = href ? html`<a href="${href}" rel="noopener noreferrer">${label}</a>` : html`<span>${label}</span>`;
  return html`${link} <span class="muted">${ticket.state}</span>`;
}

function gateTable(data: OverviewData): Html {
  return html`<section class="panel" aria-labelledby="gates">
<h2 id="gates">Release gates</h2>
${
  data.gates.length === 0
    ? html`<p class="muted">No gate checks yet. A release pipeline asks <code>GET /v1/gates/&lt;workflow&gt;?release=R</code> or runs <code>recur gate</code>.</p>`
    : html`<table class="gates">
<thead><tr><th>workflow</th><th>decision</th><th>release</th><th>environment</th><th class="num">blocking</th><th>checked</th></tr></thead>
<tbody>${data.gates.map((g) => gateRow(g, data.now))}</tbody>
</table>`
}
</section>`;
}

function gateRow(g: OverviewGate, now: Date): Html {
  return html`<tr data-workflow="${g.workflow}">
<td>${g.workflow}</td>
<td><span class="badge decision-${g.decision}">${g.decision}</span></td>
<td class="mono">${g.release}</td>
<td>${g.environment || html`<span class="muted">any</span>`}</td>
<td class="num">${g.blocking}</td>
<td><time datetime="${g.checkedAt.toISOString()}" title="${g.checkedAt.toISOString()}">${timeAgo(g.checkedAt, now)}</time></td>
</tr>`;
}

function queueHealth(data: OverviewData): Html {
  const q = data.queue;
  const depth = 'error' in q.depth ? null : q.depth;
  const card = (id: string, value: string | number, label: string, alert = false) =>
    html`<div class="card${alert ? ' alert' : ''}" data-metric="${id}"><div class="value">${value}</div><div class="label">${label}</div></div>`;
  return html`<section class="panel" aria-labelledby="queue">
<h2 id="queue">Queue health</h2>
<div class="cards">
${depth ? Object.entries(depth).map(([name, n]) => card(`depth:${name}`, n, `jobs waiting in ${name}`)) : card('depth', 'unknown', `queue depth (${(q.depth as { error: string }).error})`, true)}
${card('pending', q.pending, 'inbox rows pending')}
${card('oldest-pending', q.oldestPendingAt ? duration(data.now.getTime() - q.oldestPendingAt.getTime()) : 'none', 'oldest pending row has waited')}
${card('dead', q.dead, 'dead inbox rows', q.dead > 0)}
</div>
<p class="muted">Queue driver: <code>${q.driver}</code>. Dead rows failed every attempt: <code>GET /v1/dead-letters</code> lists them for replay.</p>
</section>`;
}
