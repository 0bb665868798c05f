// Fake GitHub REST API on loopback for tests: in-memory issues, labels and comments with GitHub's response shapes,
// a small git (branches, files by blob sha, pull requests), a call log, rate-limit headers, and fault injection
// (5xx, secondary rate limits, hangs, "done but the answer was lost").
import { createHash, createVerify, randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RestEndpointMethodTypes } from '@octokit/rest';

export type IssueState = 'open' | 'closed';
export type StateReason = 'completed' | 'not_planned' | 'reopened' | 'duplicate';

export interface FakeComment {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  id: number;
  number: number;
  node_id: string;
  title: string;
  body: string | null;
  state: IssueState;
  state_reason: StateReason | null;
  labels: string[];
  assignees: string[];
  comments: FakeComment[];
  user: string;
  locked: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  html_url: string;
}

export interface FakeLabel {
  id: number;
  node_id: string;
  name: string;
  color: string;
  description: string | null;
}

/** A pull request between two branches of one repo. Unlike GitHub, the issues API does not list it. */
export interface FakePullRequest {
  id: number;
  /** Shares the repo's numbering with issues, as on GitHub. */
  number: number;
  title: string;
  body: string | null;
  state: IssueState;
  merged: boolean;
  draft: boolean;
  /** Branch names in the same repo. */
  head: string;
  base: string;
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  html_url: string;
}

export interface FakeCall {
  method: string;
  /** Request path as sent (still percent-encoded), without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  headers: Record<string, string>;
  /** Status answered; 0 while in flight, and for hung or dropped requests. */
  status: number;
  at: number;
}

export interface FaultScope {
  method?: string;
  path?: RegExp;
}

export interface FaultRule extends FaultScope {
  /** How many matching requests this rule answers (default 1). */
  times?: number;
  /** Status to answer with; omit with `delayMs` to answer normally but late. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer; the socket stays open until the client gives up or close(). */
  hang?: boolean;
  /** Destroy the socket without answering (the client sees a reset). */
  drop?: boolean;
  /** Wait this long before answering (or before the fault's answer). */
  delayMs?: number;
  /** Apply the request to state first, then answer with the fault: GitHub did it but the answer was lost. */
  afterEffect?: boolean;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds. */
  reset: number;
}

export interface FakeGitHubOptions {
  port?: number;
  /** When set, requests must carry `authorization: token <t>` or `Bearer <t>`. */
  token?: string;
  /** When set, only these `owner/name` repos exist; others answer 404. Default: every repo exists. */
  repos?: string[];
  /** When set, assignees outside this list are dropped silently, as GitHub does for non-assignable users. */
  assignable?: string[];
  /** Login that authors issues and comments created through the API (default 'recur-bot'). */
  login?: string;
  /** Search sees a write only this long after it happened (GitHub's index is eventually consistent). Default 0. */
  searchLagMs?: number;
  /** Clock for timestamps, rate-limit resets and windows (default Date.now). */
  now?: () => number;
  /** Every repo starts with this branch holding one commit (a README.md). Default 'main'. */
  defaultBranch?: string;
  /**
   * A GitHub App: `POST /app/installations/:id/access_tokens` with a JWT signed (RS256) by the app's
   * private key issues an installation token, which is then accepted like `token`.
   */
  app?: { id: string; publicKeyPem: string; installationId: string };
}

export interface IssueSeed {
  title: string;
  body?: string | null;
  state?: IssueState;
  state_reason?: StateReason | null;
  labels?: string[];
  assignees?: string[];
  user?: string;
  comments?: Array<{ body: string; user?: string }>;
}

export type IssueEdit = Partial<Pick<FakeIssue, 'title' | 'body' | 'state' | 'state_reason' | 'labels' | 'assignees' | 'locked'>>;

export interface FakeGitHub {
  /** Base URL for GITHUB_API_URL / Octokit's baseUrl, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  readonly port: number;
  /** Every request in arrival order, including failed, injected, hung and unroutable ones. */
  readonly calls: FakeCall[];
  callsTo(method: string, pathPattern: RegExp): FakeCall[];
  /** Copies of the repo's issues, by number ascending. */
  issues(repo: string): FakeIssue[];
  issue(repo: string, number: number): FakeIssue | undefined;
  labels(repo: string): FakeLabel[];
  /** Creates an issue directly (not logged, no rate-limit cost), as if made on github.com. */
  seedIssue(repo: string, seed: IssueSeed): FakeIssue;
  /** Edits an issue directly, as a human on github.com would; bumps updated_at. */
  editIssue(repo: string, number: number, edit: IssueEdit): FakeIssue;
  /** Deletes an issue: the API then answers 410 for it. */
  deleteIssue(repo: string, number: number): void;
  seedLabel(repo: string, label: { name: string; color?: string; description?: string | null }): FakeLabel;
  /** The commit a branch points at, or undefined when there is no such branch. */
  branchSha(repo: string, branch: string): string | undefined;
  /** The files on a branch, path to UTF-8 text; undefined when there is no such branch. */
  files(repo: string, branch: string): Record<string, string> | undefined;
  /** Copies of the repo's pull requests, by number ascending. */
  pullRequests(repo: string): FakePullRequest[];
  /**
   * Closes a pull request as a person would on github.com; `merged` also moves the base branch to the head's
   * commit (a fast-forward: enough for tests that look at files after a merge).
   */
  closePullRequest(repo: string, number: number, how?: { merged?: boolean }): FakePullRequest;
  /** Queues a fault; queued faults are matched in order, the first matching one answers. */
  fail(rule: FaultRule): void;
  /** Fails every matching request for the next `ms` milliseconds. */
  failFor(ms: number, rule: Omit<FaultRule, 'times'>): void;
  failWith5xx(times?: number, status?: number, scope?: FaultScope): void;
  secondaryRateLimit(times?: number, retryAfterSeconds?: number, scope?: FaultScope & { status?: 403 | 429 }): void;
  hangNext(times?: number, scope?: FaultScope): void;
  /** Faults still queued (count rules, not remaining times). */
  pendingFaults(): number;
  rateLimit(): RateLimitState;
  /** Overrides the primary rate limit; at remaining 0 GitHub answers 403 until `reset` (epoch s) passes. */
  setRateLimit(patch: Partial<Pick<RateLimitState, 'limit' | 'remaining' | 'reset'>>): void;
  /** Clears calls, queued faults and the rate-limit counter; keeps issues and labels. */
  reset(): void;
  /** Clears issues, labels and numbering too. */
  resetState(): void;
  close(): Promise<void>;
}

type IssueJson = RestEndpointMethodTypes['issues']['get']['response']['data'];
type LabelJson = RestEndpointMethodTypes['issues']['getLabel']['response']['data'];
type CommentJson = RestEndpointMethodTypes['issues']['createComment']['response']['data'];
type SearchItemJson = RestEndpointMethodTypes['search']['issuesAndPullRequests']['response']['data']['items'][number];
type RateLimitJson = RestEndpointMethodTypes['rateLimit']['get']['response']['data'];
type UserJson = NonNullable<IssueJson['user']>;

const DOCS = 'https://docs.github.com/rest';
const SECONDARY_MESSAGE = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
const SECONDARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';
const PRIMARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits';
const RATE_LIMIT = 5000;
const RATE_WINDOW_S = 3600;
const DEFAULT_LABEL_COLOR = 'ededed';
// GitHub's documented field limits; an issue body built from traces can hit them.
const MAX_TITLE = 256;
const MAX_BODY = 65536;
const MAX_LABEL_NAME = 50;
const MAX_LABEL_DESCRIPTION = 100;
const MAX_SEARCH_QUERY = 256;
const STATE_REASONS: readonly StateReason[] = ['completed', 'not_planned', 'reopened', 'duplicate'];

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

interface RepoState {
  owner: string;
  name: string;
  nextNumber: number;
  issues: Map<number, FakeIssue>;
  deleted: Set<number>;
  /** Keyed by lower-cased name: GitHub label names are case-insensitive. */
  labels: Map<string, FakeLabel>;
  defaultBranch: string;
  /** Branch name to commit sha. */
  branches: Map<string, string>;
  commits: Map<string, FakeCommit>;
  pulls: Map<number, FakePullRequest>;
}

interface FakeBlob {
  sha: string;
  content: Buffer;
}

interface FakeCommit {
  sha: string;
  message: string;
  parent: string | null;
  /** Every file in the commit, by path. */
  files: Map<string, FakeBlob>;
  at: string;
}

interface SearchDoc {
  repo: string;
  title: string;
  body: string;
  comments: string[];
  state: IssueState;
  labels: string[];
}

interface Ctx {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** Request path with query, to build pagination links from. */
  rawPath: string;
}

type Handler = (ctx: Ctx) => Reply;

interface Route {
  method: string;
  segs: string[];
  handler: Handler;
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  until: number | null;
}

function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { message, ...extra, documentation_url: DOCS, status: String(status) } };
}

function notFound(): HttpError {
  return new HttpError(errorBody(404, 'Not Found'));
}

function validationFailed(errors: Array<Record<string, string>>): HttpError {
  return new HttpError(errorBody(422, 'Validation Failed', { errors }));
}

function tooLong(resource: string, field: string, max: number): HttpError {
  return validationFailed([{ resource, code: 'custom', field, message: `${field} is too long (maximum is ${max} characters)` }]);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(body: unknown, key: string): unknown {
  return isRecord(body) ? body[key] : undefined;
}

/** Label inputs come as names or `{name}` objects, in an array or under `labels`. */
function labelNames(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((x: unknown) => {
    if (typeof x === 'string') return [x];
    const name = field(x, 'name');
    return typeof name === 'string' ? [name] : [];
  });
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function positiveInt(v: string | undefined, fallback: number): number {
  const n = v === undefined ? NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function parseBody(raw: string): { ok: true; value: unknown } | { ok: false; raw: string } {
  if (raw === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false, raw };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that gives up mid-body still gets its call logged.
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function requestId(): string {
  const h = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
  return `${h(2)}:${h(2)}:${h(3)}:${h(3)}:${h(4)}`;
}

function paginate<T>(items: T[], query: Record<string, string>): { page: T[]; pageNo: number; last: number } {
  const perPage = Math.min(positiveInt(query.per_page, 30), 100);
  const pageNo = positiveInt(query.page, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  return { page: items.slice((pageNo - 1) * perPage, pageNo * perPage), pageNo, last };
}

/** GitHub's `link` header: prev/next/last/first, each the same URL with another `page`. */
function linkHeader(baseUrl: string, rawPath: string, pageNo: number, last: number): Record<string, string> {
  if (last <= 1) return {};
  const at = (p: number): string => {
    const u = new URL(rawPath, baseUrl);
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>`;
  };
  const parts: string[] = [];
  if (pageNo > 1) parts.push(`${at(Math.min(pageNo - 1, last))}; rel="prev"`);
  if (pageNo < last) parts.push(`${at(pageNo + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (pageNo > 1) parts.push(`${at(1)}; rel="first"`);
  return { link: parts.join(', ') };
}

function listReply<T>(ctx: Ctx, baseUrl: string, items: T[]): Reply {
  const { page, pageNo, last } = paginate(items, ctx.query);
  return { status: 200, body: page, headers: linkHeader(baseUrl, ctx.rawPath, pageNo, last) };
}

function ruleMatches(rule: FaultScope, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  rule.path.lastIndex = 0; // a /g or /y regex keeps state between test() calls
  return rule.path.test(path);
}

function compileRoute(spec: string, handler: Handler): Route {
  const [method = '', path = ''] = spec.split(' ');
  return { method, segs: path.split('/').filter(Boolean), handler };
}

/**
 * `:name` matches one segment; a last `*name` matches the rest (one segment or more, joined by `/`), for
 * branch names and file paths, which contain slashes whether the client encodes them (`%2F`) or not.
 */
function matchRoute(routes: Route[], method: string, segs: string[]): { route: Route; params: Record<string, string> } | null {
  for (const route of routes) {
    const rest = route.segs[route.segs.length - 1]?.startsWith('*') ?? false;
    if (rest ? segs.length < route.segs.length : route.segs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    const ok = route.segs.every((s, i) => {
      const actual = segs[i] ?? '';
      if (s.startsWith('*')) {
        params[s.slice(1)] = segs.slice(i).join('/');
        return true;
      }
      if (s.startsWith(':')) {
        params[s.slice(1)] = actual;
        return true;
      }
      return s === actual;
    });
    // GitHub answers an unsupported method on a known path with 404 too, so no 405 here.
    if (ok && route.method === method) return { route, params };
  }
  return null;
}

interface SearchQuery {
  repos: string[];
  kinds: Set<string>;
  states: Set<string>;
  inFields: Set<string>;
  labels: string[];
  terms: string[];
}

function parseSearch(q: string): SearchQuery {
  const out: SearchQuery = { repos: [], kinds: new Set(), states: new Set(), inFields: new Set(), labels: [], terms: [] };
  const token = /([A-Za-z_-]+):("([^"]*)"|\S+)|"([^"]*)"|(\S+)/g;
  for (const m of q.matchAll(token)) {
    const [, qualifier, rawValue, quotedValue, phrase, word] = m;
    if (phrase !== undefined) out.terms.push(phrase);
    else if (word !== undefined) out.terms.push(word);
    else if (qualifier !== undefined) applyQualifier(out, qualifier.toLowerCase(), quotedValue ?? rawValue ?? '', m[0]);
  }
  return out;
}

function applyQualifier(out: SearchQuery, qualifier: string, value: string, whole: string): void {
  const v = value.toLowerCase();
  if (qualifier === 'repo') out.repos.push(v);
  else if ((qualifier === 'is' || qualifier === 'type') && ['issue', 'pr', 'pull-request'].includes(v)) out.kinds.add(v === 'issue' ? 'issue' : 'pr');
  else if ((qualifier === 'is' || qualifier === 'state') && ['open', 'closed'].includes(v)) out.states.add(v);
  else if (qualifier === 'in') v.split(',').forEach((f) => out.inFields.add(f));
  else if (qualifier === 'label') out.labels.push(v);
  else out.terms.push(whole); // GitHub treats an unknown qualifier as text
}

function searchMatches(doc: SearchDoc, q: SearchQuery): boolean {
  if (q.repos.length > 0 && !q.repos.includes(doc.repo.toLowerCase())) return false;
  if (q.kinds.size > 0 && !q.kinds.has('issue')) return false; // search sees issues only, never pull requests
  if (q.states.size > 0 && !q.states.has(doc.state)) return false;
  const docLabels = doc.labels.map((l) => l.toLowerCase());
  if (!q.labels.every((l) => docLabels.includes(l))) return false;
  const fields = q.inFields.size > 0 ? q.inFields : new Set(['title', 'body', 'comments']);
  const haystack = [
    fields.has('title') ? doc.title : '',
    fields.has('body') ? doc.body : '',
    ...(fields.has('comments') ? doc.comments : []),
  ].map((s) => s.toLowerCase());
  return q.terms.every((t) => haystack.some((h) => h.includes(t.toLowerCase())));
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const now = opts.now ?? Date.now;
  const login = opts.login ?? 'recur-bot';
  const allowedRepos = opts.repos ? new Set(opts.repos.map((r) => r.toLowerCase())) : null;
  const assignable = opts.assignable ? new Set(opts.assignable.map((a) => a.toLowerCase())) : null;
  const searchLagMs = opts.searchLagMs ?? 0;
  const defaultBranch = opts.defaultBranch ?? 'main';

  const calls: FakeCall[] = [];
  let faults: ActiveFault[] = [];
  let repos = new Map<string, RepoState>();
  // Distinct id ranges so a test catches a client confusing an issue's id with its number.
  let nextIssueId = 1_000_001;
  let nextLabelId = 2_000_001;
  let nextCommentId = 3_000_001;
  let nextPullId = 4_000_001;
  let commitCounter = 0;
  const userIds = new Map<string, number>();
  let searchIndex = new Map<number, Array<{ visibleAt: number; doc: SearchDoc }>>();
  const rate: RateLimitState = freshRateLimit();
  const pending = new Set<ServerResponse>();
  let baseUrl = '';

  function freshRateLimit(): RateLimitState {
    return { limit: RATE_LIMIT, remaining: RATE_LIMIT, used: 0, reset: Math.floor(now() / 1000) + RATE_WINDOW_S };
  }

  function refillIfDue(): void {
    if (Math.floor(now() / 1000) < rate.reset) return;
    rate.remaining = rate.limit;
    rate.used = 0;
    rate.reset = Math.floor(now() / 1000) + RATE_WINDOW_S;
  }

  // ---- state ----

  function repoKey(owner: string, name: string): string {
    return `${owner}/${name}`.toLowerCase();
  }

  function repoState(full: string): RepoState | undefined {
    const [owner, name, ...rest] = full.split('/');
    if (!owner || !name || rest.length > 0) throw new Error(`fake_github: repo must be "owner/name", got ${JSON.stringify(full)}`);
    return getRepo(owner, name);
  }

  function getRepo(owner: string, name: string): RepoState | undefined {
    const key = repoKey(owner, name);
    if (allowedRepos && !allowedRepos.has(key)) return undefined;
    let repo = repos.get(key);
    if (!repo) {
      repo = { owner, name, nextNumber: 1, issues: new Map(), deleted: new Set(), labels: new Map(), defaultBranch, branches: new Map(), commits: new Map(), pulls: new Map() };
      const first = newCommit(repo, null, 'Initial commit', new Map([['README.md', blob(Buffer.from(`# ${name}\n`))]]));
      repo.branches.set(defaultBranch, first.sha);
      repos.set(key, repo);
    }
    return repo;
  }

  // ---- git ----

  /** Git's own blob id, so a client can recognise a file it wrote by hashing its content. */
  function blob(content: Buffer): FakeBlob {
    const sha = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
    return { sha, content };
  }

  function newCommit(repo: RepoState, parent: string | null, message: string, files: Map<string, FakeBlob>): FakeCommit {
    const sha = createHash('sha1').update(`commit ${++commitCounter} ${parent ?? ''} ${message} ${now()}`).digest('hex');
    const commit: FakeCommit = { sha, message, parent, files, at: iso(now()) };
    repo.commits.set(sha, commit);
    return commit;
  }

  /** A branch name or a commit sha, as `?ref=` takes them. */
  function resolveRef(repo: RepoState, ref: string): FakeCommit | undefined {
    const sha = repo.branches.get(ref) ?? (repo.commits.has(ref) ? ref : undefined);
    return sha ? repo.commits.get(sha) : undefined;
  }

  function pullOfBranch(repo: RepoState, head: string, base: string): FakePullRequest | undefined {
    return [...repo.pulls.values()].find((p) => p.state === 'open' && p.head === head && p.base === base);
  }

  function mustRepo(full: string): RepoState {
    const repo = repoState(full);
    if (!repo) throw new Error(`fake_github: repo ${full} is not in opts.repos`);
    return repo;
  }

  function findLabel(repo: RepoState, name: string): FakeLabel | undefined {
    return repo.labels.get(name.toLowerCase());
  }

  function checkLabelFields(name: string, description: string | null): void {
    if (name.length > MAX_LABEL_NAME) throw tooLong('Label', 'name', MAX_LABEL_NAME);
    if (description !== null && description.length > MAX_LABEL_DESCRIPTION) throw tooLong('Label', 'description', MAX_LABEL_DESCRIPTION);
  }

  function addLabel(repo: RepoState, name: string, color = DEFAULT_LABEL_COLOR, description: string | null = null): FakeLabel {
    checkLabelFields(name, description);
    const id = nextLabelId++;
    const label: FakeLabel = { id, node_id: `LA_fake${id}`, name, color: color.toLowerCase(), description };
    repo.labels.set(name.toLowerCase(), label);
    return label;
  }

  /** Canonical names for the given labels, creating missing ones the way GitHub does for writers. */
  function ensureLabels(repo: RepoState, names: string[]): string[] {
    const out: string[] = [];
    for (const raw of names) {
      const name = raw.trim();
      if (name === '') continue;
      const label = findLabel(repo, name) ?? addLabel(repo, name);
      if (!out.includes(label.name)) out.push(label.name);
    }
    return out;
  }

  function filterAssignees(names: string[]): string[] {
    const unique = [...new Set(names)];
    return assignable ? unique.filter((a) => assignable.has(a.toLowerCase())) : unique;
  }

  function reindex(repo: RepoState, issue: FakeIssue): void {
    if (searchLagMs <= 0) return;
    const entries = searchIndex.get(issue.id) ?? [];
    entries.push({ visibleAt: now() + searchLagMs, doc: searchDoc(repo, issue) });
    searchIndex.set(issue.id, entries);
  }

  function searchDoc(repo: RepoState, issue: FakeIssue): SearchDoc {
    return {
      repo: `${repo.owner}/${repo.name}`,
      title: issue.title,
      body: issue.body ?? '',
      comments: issue.comments.map((c) => c.body),
      state: issue.state,
      labels: [...issue.labels],
    };
  }

  /** What search sees of an issue now: with a lag, the newest write old enough to be indexed. */
  function indexedDoc(repo: RepoState, issue: FakeIssue): SearchDoc | undefined {
    if (searchLagMs <= 0) return searchDoc(repo, issue);
    const t = now();
    const visible = (searchIndex.get(issue.id) ?? []).filter((e) => e.visibleAt <= t);
    return visible[visible.length - 1]?.doc;
  }

  function touch(repo: RepoState, issue: FakeIssue): void {
    issue.updated_at = iso(now());
    reindex(repo, issue);
  }

  function setState(issue: FakeIssue, state: IssueState, reason: StateReason | null | undefined): void {
    if (state === 'closed') {
      if (issue.state !== 'closed') issue.closed_at = iso(now());
      // Re-closing without a reason keeps the one it was closed with.
      issue.state_reason = reason ?? (issue.state === 'closed' ? issue.state_reason : 'completed');
    } else {
      if (issue.state === 'closed') issue.state_reason = 'reopened';
      issue.closed_at = null;
    }
    issue.state = state;
  }

  function createIssue(repo: RepoState, seed: IssueSeed): FakeIssue {
    const t = iso(now());
    const number = repo.nextNumber++;
    const id = nextIssueId++;
    const issue: FakeIssue = {
      id,
      number,
      node_id: `I_fake${id}`,
      title: seed.title,
      body: seed.body ?? null,
      state: 'open',
      state_reason: null,
      labels: ensureLabels(repo, seed.labels ?? []),
      assignees: filterAssignees(seed.assignees ?? []),
      comments: [],
      user: seed.user ?? login,
      locked: false,
      created_at: t,
      updated_at: t,
      closed_at: null,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${number}`,
    };
    for (const c of seed.comments ?? []) issue.comments.push(newComment(c.body, c.user ?? login));
    if (seed.state === 'closed') setState(issue, 'closed', seed.state_reason);
    repo.issues.set(number, issue);
    reindex(repo, issue);
    return issue;
  }

  function newComment(body: string, user: string): FakeComment {
    const t = iso(now());
    return { id: nextCommentId++, body, user, created_at: t, updated_at: t };
  }

  // ---- JSON shapes ----

  function userJson(name: string): UserJson {
    let id = userIds.get(name);
    if (id === undefined) {
      id = 9_000_001 + userIds.size;
      userIds.set(name, id);
    }
    const api = `${baseUrl}/users/${name}`;
    return {
      login: name,
      id,
      node_id: `U_fake${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${name}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: name.endsWith('[bot]') ? 'Bot' : 'User',
      site_admin: false,
    };
  }

  function repoApi(repo: RepoState): string {
    return `${baseUrl}/repos/${repo.owner}/${repo.name}`;
  }

  function labelJson(repo: RepoState, label: FakeLabel): LabelJson {
    return {
      id: label.id,
      node_id: label.node_id,
      url: `${repoApi(repo)}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: false,
      description: label.description,
    };
  }

  function issueLabelsJson(repo: RepoState, issue: FakeIssue): LabelJson[] {
    return issue.labels.flatMap((n) => {
      const label = findLabel(repo, n);
      return label ? [labelJson(repo, label)] : [];
    });
  }

  function issueJson(repo: RepoState, issue: FakeIssue): IssueJson {
    const url = `${repoApi(repo)}/issues/${issue.number}`;
    const assignees = issue.assignees.map(userJson);
    return {
      id: issue.id,
      node_id: issue.node_id,
      url,
      repository_url: repoApi(repo),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: issue.html_url,
      number: issue.number,
      state: issue.state,
      state_reason: issue.state_reason,
      title: issue.title,
      body: issue.body,
      user: userJson(issue.user),
      labels: issueLabelsJson(repo, issue),
      assignee: assignees[0] ?? null,
      assignees,
      milestone: null,
      locked: issue.locked,
      active_lock_reason: null,
      comments: issue.comments.length,
      closed_at: issue.closed_at,
      created_at: issue.created_at,
      updated_at: issue.updated_at,
      closed_by: issue.state === 'closed' ? userJson(login) : null,
      author_association: 'NONE',
      timeline_url: `${url}/timeline`,
    };
  }

  function searchItemJson(repo: RepoState, issue: FakeIssue): SearchItemJson {
    const { body, labels: _labels, ...rest } = issueJson(repo, issue);
    // Search items carry labels as objects only, and omit a null body.
    const labels = issueLabelsJson(repo, issue);
    return { ...rest, labels, ...(typeof body === 'string' ? { body } : {}), author_association: 'NONE', score: 1 };
  }

  function commentJson(repo: RepoState, issue: FakeIssue, c: FakeComment): CommentJson {
    return {
      id: c.id,
      node_id: `IC_fake${c.id}`,
      url: `${repoApi(repo)}/issues/comments/${c.id}`,
      html_url: `${issue.html_url}#issuecomment-${c.id}`,
      body: c.body,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: `${repoApi(repo)}/issues/${issue.number}`,
      author_association: 'NONE',
    };
  }

  function rateLimitJson(): RateLimitJson {
    const core = { limit: rate.limit, used: rate.used, remaining: rate.remaining, reset: rate.reset };
    const reset = Math.floor(now() / 1000) + 60;
    return {
      resources: {
        core,
        search: { limit: 30, used: 0, remaining: 30, reset },
        graphql: { limit: 5000, used: 0, remaining: 5000, reset: rate.reset },
      },
      rate: core,
    };
  }

  function repoJson(repo: RepoState): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: 5_000_000 + [...repos.values()].indexOf(repo),
      node_id: `R_fake${repo.name}`,
      name: repo.name,
      full_name: full,
      private: true,
      owner: userJson(repo.owner),
      html_url: `https://github.com/${full}`,
      url: repoApi(repo),
      fork: false,
      default_branch: repo.defaultBranch,
      visibility: 'private',
      has_issues: true,
      archived: false,
      disabled: false,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    };
  }

  function refJson(repo: RepoState, branch: string, sha: string): Record<string, unknown> {
    const ref = `refs/heads/${branch}`;
    return {
      ref,
      node_id: `REF_fake${Buffer.from(ref).toString('base64url')}`,
      url: `${repoApi(repo)}/git/${ref}`,
      object: { type: 'commit', sha, url: `${repoApi(repo)}/git/commits/${sha}` },
    };
  }

  function contentJson(repo: RepoState, path: string, file: FakeBlob, ref: string, withContent: boolean): Record<string, unknown> {
    const self = `${repoApi(repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    const html = `https://github.com/${repo.owner}/${repo.name}/blob/${ref}/${path}`;
    const git = `${repoApi(repo)}/git/blobs/${file.sha}`;
    return {
      type: 'file',
      ...(withContent ? { encoding: 'base64', content: (file.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n' } : {}),
      size: file.content.length,
      name: path.split('/').pop(),
      path,
      sha: file.sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${repo.owner}/${repo.name}/${ref}/${path}`,
      _links: { self, git, html },
    };
  }

  function pullJson(repo: RepoState, pr: FakePullRequest): Record<string, unknown> {
    const url = `${repoApi(repo)}/pulls/${pr.number}`;
    const end = (branch: string) => ({
      label: `${repo.owner}:${branch}`,
      ref: branch,
      sha: repo.branches.get(branch) ?? null,
      user: userJson(repo.owner),
      repo: repoJson(repo),
    });
    return {
      id: pr.id,
      node_id: `PR_fake${pr.id}`,
      url,
      html_url: pr.html_url,
      diff_url: `${pr.html_url}.diff`,
      patch_url: `${pr.html_url}.patch`,
      issue_url: `${repoApi(repo)}/issues/${pr.number}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      body: pr.body,
      user: userJson(pr.user),
      labels: [],
      created_at: pr.created_at,
      updated_at: pr.updated_at,
      closed_at: pr.closed_at,
      merged_at: pr.merged_at,
      draft: pr.draft,
      head: end(pr.head),
      base: end(pr.base),
      author_association: 'NONE',
      merged: pr.merged,
    };
  }

  // ---- handlers ----

  function repoOf(ctx: Ctx): RepoState {
    const repo = getRepo(ctx.params.owner ?? '', ctx.params.repo ?? '');
    if (!repo) throw notFound();
    return repo;
  }

  function issueOf(ctx: Ctx): { repo: RepoState; issue: FakeIssue } {
    const repo = repoOf(ctx);
    const raw = ctx.params.number ?? '';
    const number = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (repo.deleted.has(number)) throw new HttpError(errorBody(410, 'This issue was deleted'));
    const issue = repo.issues.get(number);
    if (!issue) throw notFound();
    return { repo, issue };
  }

  function checkIssueText(title: string | undefined, body: string | null | undefined): void {
    if (title !== undefined && title.length > MAX_TITLE) throw tooLong('Issue', 'title', MAX_TITLE);
    if (typeof body === 'string' && body.length > MAX_BODY) throw tooLong('Issue', 'body', MAX_BODY);
  }

  function optionalText(body: unknown, key: string): string | null | undefined {
    const v = field(body, key);
    if (v === undefined || v === null) return v;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    throw validationFailed([{ resource: 'Issue', code: 'invalid', field: key }]);
  }

  function assigneesFrom(body: unknown): string[] | undefined {
    const list = stringList(field(body, 'assignees'));
    const single = field(body, 'assignee');
    if (list) return list;
    if (typeof single === 'string') return [single];
    if (single === null) return [];
    return undefined;
  }

  function createIssueHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    if (!isRecord(ctx.body)) throw new HttpError(errorBody(422, 'Invalid request.\n\nInvalid input: request body must be an object.'));
    const title = optionalText(ctx.body, 'title');
    if (title === undefined || title === null || title === '') {
      throw new HttpError(errorBody(422, 'Invalid request.\n\n"title" wasn\'t supplied.'));
    }
    const body = optionalText(ctx.body, 'body');
    checkIssueText(title, body);
    const issue = createIssue(repo, {
      title,
      body: body ?? null,
      labels: labelNames(ctx.body.labels) ?? [],
      assignees: assigneesFrom(ctx.body) ?? [],
    });
    return { status: 201, body: issueJson(repo, issue), headers: { location: `${repoApi(repo)}/issues/${issue.number}` } };
  }

  function parseStateFields(body: unknown): { state?: IssueState; reason?: StateReason | null } {
    const state = field(body, 'state');
    const reason = field(body, 'state_reason');
    if (state !== undefined && state !== 'open' && state !== 'closed') {
      throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
    }
    if (reason !== undefined && reason !== null && !STATE_REASONS.includes(reason as StateReason)) {
      throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state_reason' }]);
    }
    return { state, reason: reason as StateReason | null | undefined };
  }

  function updateIssueHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    if (!isRecord(ctx.body)) throw new HttpError(errorBody(422, 'Invalid request.\n\nInvalid input: request body must be an object.'));
    const title = optionalText(ctx.body, 'title');
    const body = optionalText(ctx.body, 'body');
    if (title === null || title === '') throw validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
    checkIssueText(title, body);
    const { state, reason } = parseStateFields(ctx.body);
    const labels = labelNames(ctx.body.labels);
    const assignees = assigneesFrom(ctx.body);
    if (title !== undefined) issue.title = title;
    if (body !== undefined) issue.body = body;
    // GitHub ignores state_reason unless state is sent too.
    if (state !== undefined) setState(issue, state, reason);
    if (labels) issue.labels = ensureLabels(repo, labels);
    if (assignees) issue.assignees = filterAssignees(assignees);
    touch(repo, issue);
    return { status: 200, body: issueJson(repo, issue) };
  }

  function compareIssues(sort: string, direction: string): (a: FakeIssue, b: FakeIssue) => number {
    const key = (i: FakeIssue): string | number => (sort === 'updated' ? i.updated_at : sort === 'comments' ? i.comments.length : i.created_at);
    const sign = direction === 'asc' ? 1 : -1;
    return (a, b) => {
      const ka = key(a);
      const kb = key(b);
      const primary = ka < kb ? -1 : ka > kb ? 1 : 0;
      return sign * (primary !== 0 ? primary : a.number - b.number);
    };
  }

  function listIssuesHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const state = ctx.query.state ?? 'open';
    const sort = ctx.query.sort ?? 'created';
    const direction = ctx.query.direction ?? 'desc';
    if (!['open', 'closed', 'all'].includes(state)) throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
    if (!['created', 'updated', 'comments'].includes(sort)) throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'sort' }]);
    const wanted = (ctx.query.labels ?? '').split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
    const since = ctx.query.since ? Date.parse(ctx.query.since) : NaN;
    const items = [...repo.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .filter((i) => Number.isNaN(since) || Date.parse(i.updated_at) >= since)
      .sort(compareIssues(sort, direction))
      .map((i) => issueJson(repo, i));
    return listReply(ctx, baseUrl, items);
  }

  function commentBodyFrom(body: unknown): string {
    const text = field(body, 'body');
    if (typeof text !== 'string' || text === '') throw validationFailed([{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
    if (text.length > MAX_BODY) throw tooLong('IssueComment', 'body', MAX_BODY);
    return text;
  }

  function createCommentHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    const comment = newComment(commentBodyFrom(ctx.body), login);
    issue.comments.push(comment);
    touch(repo, issue);
    return { status: 201, body: commentJson(repo, issue, comment) };
  }

  function listCommentsHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    const since = ctx.query.since ? Date.parse(ctx.query.since) : NaN;
    const items = issue.comments
      .filter((c) => Number.isNaN(since) || Date.parse(c.updated_at) >= since)
      .map((c) => commentJson(repo, issue, c));
    return listReply(ctx, baseUrl, items);
  }

  function commentById(ctx: Ctx): { repo: RepoState; issue: FakeIssue; comment: FakeComment } {
    const repo = repoOf(ctx);
    const id = Number(ctx.params.id);
    for (const issue of repo.issues.values()) {
      const comment = issue.comments.find((c) => c.id === id);
      if (comment) return { repo, issue, comment };
    }
    throw notFound();
  }

  function updateCommentHandler(ctx: Ctx): Reply {
    const { repo, issue, comment } = commentById(ctx);
    comment.body = commentBodyFrom(ctx.body);
    comment.updated_at = iso(now());
    touch(repo, issue);
    return { status: 200, body: commentJson(repo, issue, comment) };
  }

  function labelsInput(body: unknown): string[] {
    const names = labelNames(body) ?? labelNames(field(body, 'labels'));
    if (!names) throw validationFailed([{ resource: 'Label', code: 'missing_field', field: 'labels' }]);
    return names;
  }

  function addIssueLabelsHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    issue.labels = ensureLabels(repo, [...issue.labels, ...labelsInput(ctx.body)]);
    touch(repo, issue);
    return { status: 200, body: issueLabelsJson(repo, issue) };
  }

  function setIssueLabelsHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    issue.labels = ensureLabels(repo, labelsInput(ctx.body));
    touch(repo, issue);
    return { status: 200, body: issueLabelsJson(repo, issue) };
  }

  function removeIssueLabelHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    const name = (ctx.params.name ?? '').toLowerCase();
    if (!issue.labels.some((l) => l.toLowerCase() === name)) {
      throw new HttpError({ status: 404, body: { message: 'Label does not exist', documentation_url: `${DOCS}/issues/labels#remove-a-label-from-an-issue`, status: '404' } });
    }
    issue.labels = issue.labels.filter((l) => l.toLowerCase() !== name);
    touch(repo, issue);
    return { status: 200, body: issueLabelsJson(repo, issue) };
  }

  function clearIssueLabelsHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    issue.labels = [];
    touch(repo, issue);
    return { status: 204 };
  }

  function labelOf(ctx: Ctx): { repo: RepoState; label: FakeLabel } {
    const repo = repoOf(ctx);
    const label = findLabel(repo, ctx.params.name ?? '');
    if (!label) throw notFound();
    return { repo, label };
  }

  function colorFrom(body: unknown, fallback: string): string {
    const color = field(body, 'color');
    if (color === undefined) return fallback;
    if (typeof color !== 'string' || !/^[0-9a-fA-F]{6}$/.test(color)) {
      throw validationFailed([{ resource: 'Label', code: 'invalid', field: 'color' }]);
    }
    return color;
  }

  function descriptionFrom(body: unknown, fallback: string | null): string | null {
    const d = field(body, 'description');
    return typeof d === 'string' || d === null ? d : fallback;
  }

  function createLabelHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const name = field(ctx.body, 'name');
    if (typeof name !== 'string' || name.trim() === '') throw validationFailed([{ resource: 'Label', code: 'missing_field', field: 'name' }]);
    const color = colorFrom(ctx.body, DEFAULT_LABEL_COLOR);
    if (findLabel(repo, name)) throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    const label = addLabel(repo, name.trim(), color, descriptionFrom(ctx.body, null));
    return { status: 201, body: labelJson(repo, label) };
  }

  function updateLabelHandler(ctx: Ctx): Reply {
    const { repo, label } = labelOf(ctx);
    const newName = field(ctx.body, 'new_name');
    const color = colorFrom(ctx.body, label.color);
    const description = descriptionFrom(ctx.body, label.description);
    if (typeof newName === 'string' && newName.toLowerCase() !== label.name.toLowerCase() && findLabel(repo, newName)) {
      throw validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    }
    const name = typeof newName === 'string' && newName.trim() !== '' ? newName.trim() : label.name;
    checkLabelFields(name, description);
    renameLabel(repo, label, name);
    Object.assign(label, { color: color.toLowerCase(), description });
    return { status: 200, body: labelJson(repo, label) };
  }

  function renameLabel(repo: RepoState, label: FakeLabel, name: string): void {
    const old = label.name;
    repo.labels.delete(old.toLowerCase());
    label.name = name;
    repo.labels.set(name.toLowerCase(), label);
    for (const issue of repo.issues.values()) issue.labels = issue.labels.map((l) => (l === old ? name : l));
  }

  function deleteLabelHandler(ctx: Ctx): Reply {
    const { repo, label } = labelOf(ctx);
    repo.labels.delete(label.name.toLowerCase());
    for (const issue of repo.issues.values()) issue.labels = issue.labels.filter((l) => l !== label.name);
    return { status: 204 };
  }

  function addAssigneesHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    issue.assignees = filterAssignees([...issue.assignees, ...(stringList(field(ctx.body, 'assignees')) ?? [])]);
    touch(repo, issue);
    return { status: 201, body: issueJson(repo, issue) };
  }

  function removeAssigneesHandler(ctx: Ctx): Reply {
    const { repo, issue } = issueOf(ctx);
    const drop = new Set((stringList(field(ctx.body, 'assignees')) ?? []).map((a) => a.toLowerCase()));
    issue.assignees = issue.assignees.filter((a) => !drop.has(a.toLowerCase()));
    touch(repo, issue);
    return { status: 200, body: issueJson(repo, issue) };
  }

  function searchIssuesHandler(ctx: Ctx): Reply {
    const q = ctx.query.q;
    if (q === undefined || q.trim() === '') throw validationFailed([{ resource: 'Search', field: 'q', code: 'missing' }]);
    if (q.length > MAX_SEARCH_QUERY) {
      throw validationFailed([{ message: `The search is longer than ${MAX_SEARCH_QUERY} characters.`, resource: 'Search', field: 'q', code: 'invalid' }]);
    }
    const query = parseSearch(q);
    const sort = ctx.query.sort ?? 'created';
    const found: Array<{ repo: RepoState; issue: FakeIssue }> = [];
    for (const repo of repos.values()) {
      for (const issue of repo.issues.values()) {
        const doc = indexedDoc(repo, issue);
        if (doc && searchMatches(doc, query)) found.push({ repo, issue });
      }
    }
    const cmp = compareIssues(['updated', 'comments'].includes(sort) ? sort : 'created', ctx.query.order ?? 'desc');
    found.sort((a, b) => cmp(a.issue, b.issue));
    const { page, pageNo, last } = paginate(found, ctx.query);
    return {
      status: 200,
      body: { total_count: found.length, incomplete_results: false, items: page.map((f) => searchItemJson(f.repo, f.issue)) },
      headers: linkHeader(baseUrl, ctx.rawPath, pageNo, last),
    };
  }

  function getRefHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const ref = ctx.params.ref ?? '';
    const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : null;
    const sha = branch === null ? undefined : repo.branches.get(branch);
    if (branch === null || sha === undefined) throw notFound();
    return { status: 200, body: refJson(repo, branch, sha) };
  }

  function createRefHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const ref = field(ctx.body, 'ref');
    const sha = field(ctx.body, 'sha');
    if (typeof ref !== 'string' || !/^refs\/[^/]+\/.+/.test(ref)) {
      throw new HttpError(errorBody(422, "Reference name must start with 'refs/' and have at least two slashes."));
    }
    if (!ref.startsWith('refs/heads/')) throw new HttpError(errorBody(422, 'fake_github: only refs/heads/* are supported'));
    if (typeof sha !== 'string' || !repo.commits.has(sha)) throw new HttpError(errorBody(422, 'Object does not exist'));
    const branch = ref.slice('refs/heads/'.length);
    if (repo.branches.has(branch)) throw new HttpError(errorBody(422, 'Reference already exists'));
    repo.branches.set(branch, sha);
    return { status: 201, body: refJson(repo, branch, sha), headers: { location: `${repoApi(repo)}/git/${ref}` } };
  }

  function getContentsHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const ref = ctx.query.ref ?? repo.defaultBranch;
    const commit = resolveRef(repo, ref);
    if (!commit) throw new HttpError(errorBody(404, `No commit found for the ref ${ref}`));
    const path = ctx.params.path ?? '';
    const file = commit.files.get(path);
    if (file) return { status: 200, body: contentJson(repo, path, file, ref, true) };
    // A folder answers a listing of what is directly in it.
    const inside = [...commit.files.entries()].filter(([p]) => p.startsWith(`${path}/`));
    if (inside.length === 0) throw notFound();
    const entries = new Map<string, Record<string, unknown>>();
    for (const [p, f] of inside) {
      const [first, ...more] = p.slice(path.length + 1).split('/');
      const childPath = `${path}/${first}`;
      if (more.length === 0) entries.set(childPath, contentJson(repo, childPath, f, ref, false));
      else if (!entries.has(childPath)) entries.set(childPath, { type: 'dir', name: first, path: childPath, sha: null, size: 0 });
    }
    return { status: 200, body: [...entries.values()] };
  }

  function putContentsHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const path = ctx.params.path ?? '';
    if (!isRecord(ctx.body)) throw new HttpError(errorBody(422, 'Invalid request.\n\nInvalid input: request body must be an object.'));
    const message = field(ctx.body, 'message');
    const content = field(ctx.body, 'content');
    const sha = field(ctx.body, 'sha');
    const branch = field(ctx.body, 'branch') ?? repo.defaultBranch;
    if (typeof message !== 'string' || message === '') throw new HttpError(errorBody(422, 'Invalid request.\n\n"message" wasn\'t supplied.'));
    if (typeof content !== 'string') throw new HttpError(errorBody(422, 'Invalid request.\n\n"content" wasn\'t supplied.'));
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(content)) throw new HttpError(errorBody(422, 'content is not valid Base64'));
    if (typeof branch !== 'string' || !repo.branches.has(branch)) throw new HttpError(errorBody(404, `Branch ${String(branch)} not found`));
    const head = repo.commits.get(repo.branches.get(branch)!)!;
    const existing = head.files.get(path);
    // GitHub's optimistic lock: replacing a file needs the blob sha the writer last saw.
    if (existing && sha === undefined) throw new HttpError(errorBody(422, 'Invalid request.\n\n"sha" wasn\'t supplied.'));
    if (existing && sha !== existing.sha) throw new HttpError(errorBody(409, `${path} does not match ${String(sha)}`));
    const written = blob(Buffer.from(content, 'base64'));
    const files = new Map(head.files);
    files.set(path, written);
    const commit = newCommit(repo, head.sha, message, files);
    repo.branches.set(branch, commit.sha);
    const author = { name: login, email: `${login}@users.noreply.github.com`, date: commit.at };
    return {
      status: existing ? 200 : 201,
      body: {
        content: contentJson(repo, path, written, branch, false),
        commit: {
          sha: commit.sha,
          node_id: `C_fake${commit.sha.slice(0, 12)}`,
          url: `${repoApi(repo)}/git/commits/${commit.sha}`,
          html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${commit.sha}`,
          author,
          committer: author,
          message,
          tree: { sha: createHash('sha1').update(`tree ${commit.sha}`).digest('hex'), url: `${repoApi(repo)}/git/trees/${commit.sha}` },
          parents: [{ sha: head.sha, url: `${repoApi(repo)}/git/commits/${head.sha}`, html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${head.sha}` }],
          verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
        },
      },
    };
  }

  function listPullsHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    const state = ctx.query.state ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw validationFailed([{ resource: 'PullRequest', code: 'invalid', field: 'state' }]);
    // GitHub filters by head only in the `owner:branch` form; a bare branch name filters nothing.
    const head = ctx.query.head?.includes(':') ? ctx.query.head.toLowerCase() : undefined;
    const items = [...repo.pulls.values()]
      .filter((p) => state === 'all' || p.state === state)
      .filter((p) => head === undefined || `${repo.owner}:${p.head}`.toLowerCase() === head)
      .filter((p) => ctx.query.base === undefined || p.base === ctx.query.base)
      .sort((a, b) => ((ctx.query.direction ?? 'desc') === 'asc' ? a.number - b.number : b.number - a.number))
      .map((p) => pullJson(repo, p));
    return listReply(ctx, baseUrl, items);
  }

  function createPullHandler(ctx: Ctx): Reply {
    const repo = repoOf(ctx);
    if (!isRecord(ctx.body)) throw new HttpError(errorBody(422, 'Invalid request.\n\nInvalid input: request body must be an object.'));
    const title = optionalText(ctx.body, 'title');
    const body = optionalText(ctx.body, 'body');
    const rawHead = field(ctx.body, 'head');
    const base = field(ctx.body, 'base');
    if (!title) throw validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
    checkIssueText(title, body);
    if (typeof rawHead !== 'string') throw validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: 'head' }]);
    const [headOwner, headBranch] = rawHead.includes(':') ? rawHead.split(/:(.*)/s) : [repo.owner, rawHead];
    if (headOwner?.toLowerCase() !== repo.owner.toLowerCase()) throw new HttpError(errorBody(422, 'fake_github: pull requests from forks are not supported'));
    const head = headBranch ?? '';
    if (typeof base !== 'string' || !repo.branches.has(base)) throw validationFailed([{ resource: 'PullRequest', code: 'invalid', field: 'base' }]);
    if (!repo.branches.has(head)) throw validationFailed([{ resource: 'PullRequest', code: 'invalid', field: 'head' }]);
    if (pullOfBranch(repo, head, base)) {
      throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }]);
    }
    if (repo.branches.get(head) === repo.branches.get(base)) {
      throw validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
    }
    const t = iso(now());
    const number = repo.nextNumber++;
    const pr: FakePullRequest = {
      id: nextPullId++,
      number,
      title,
      body: body ?? null,
      state: 'open',
      merged: false,
      draft: field(ctx.body, 'draft') === true,
      head,
      base,
      user: login,
      created_at: t,
      updated_at: t,
      closed_at: null,
      merged_at: null,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${number}`,
    };
    repo.pulls.set(number, pr);
    return { status: 201, body: pullJson(repo, pr), headers: { location: `${repoApi(repo)}/pulls/${number}` } };
  }

  function pullOf(ctx: Ctx): { repo: RepoState; pr: FakePullRequest } {
    const repo = repoOf(ctx);
    const pr = repo.pulls.get(Number(ctx.params.number));
    if (!pr) throw notFound();
    return { repo, pr };
  }

  const routes: Route[] = [
    compileRoute('GET /rate_limit', () => ({ status: 200, body: rateLimitJson() })),
    compileRoute('GET /search/issues', searchIssuesHandler),
    compileRoute('GET /repos/:owner/:repo/issues', listIssuesHandler),
    compileRoute('POST /repos/:owner/:repo/issues', createIssueHandler),
    compileRoute('GET /repos/:owner/:repo/issues/comments/:id', (ctx) => {
      const { repo, issue, comment } = commentById(ctx);
      return { status: 200, body: commentJson(repo, issue, comment) };
    }),
    compileRoute('PATCH /repos/:owner/:repo/issues/comments/:id', updateCommentHandler),
    compileRoute('GET /repos/:owner/:repo/issues/:number', (ctx) => {
      const { repo, issue } = issueOf(ctx);
      return { status: 200, body: issueJson(repo, issue) };
    }),
    compileRoute('PATCH /repos/:owner/:repo/issues/:number', updateIssueHandler),
    compileRoute('GET /repos/:owner/:repo/issues/:number/comments', listCommentsHandler),
    compileRoute('POST /repos/:owner/:repo/issues/:number/comments', createCommentHandler),
    compileRoute('GET /repos/:owner/:repo/issues/:number/labels', (ctx) => {
      const { repo, issue } = issueOf(ctx);
      return listReply(ctx, baseUrl, issueLabelsJson(repo, issue));
    }),
    compileRoute('POST /repos/:owner/:repo/issues/:number/labels', addIssueLabelsHandler),
    compileRoute('PUT /repos/:owner/:repo/issues/:number/labels', setIssueLabelsHandler),
    compileRoute('DELETE /repos/:owner/:repo/issues/:number/labels', clearIssueLabelsHandler),
    compileRoute('DELETE /repos/:owner/:repo/issues/:number/labels/:name', removeIssueLabelHandler),
    compileRoute('POST /repos/:owner/:repo/issues/:number/assignees', addAssigneesHandler),
    compileRoute('DELETE /repos/:owner/:repo/issues/:number/assignees', removeAssigneesHandler),
    compileRoute('GET /repos/:owner/:repo/labels', (ctx) => {
      const repo = repoOf(ctx);
      return listReply(ctx, baseUrl, [...repo.labels.values()].map((l) => labelJson(repo, l)));
    }),
    compileRoute('POST /repos/:owner/:repo/labels', createLabelHandler),
    compileRoute('GET /repos/:owner/:repo/labels/:name', (ctx) => {
      const { repo, label } = labelOf(ctx);
      return { status: 200, body: labelJson(repo, label) };
    }),
    compileRoute('PATCH /repos/:owner/:repo/labels/:name', updateLabelHandler),
    compileRoute('DELETE /repos/:owner/:repo/labels/:name', deleteLabelHandler),
    compileRoute('GET /repos/:owner/:repo', (ctx) => ({ status: 200, body: repoJson(repoOf(ctx)) })),
    compileRoute('GET /repos/:owner/:repo/git/ref/*ref', getRefHandler),
    compileRoute('POST /repos/:owner/:repo/git/refs', createRefHandler),
    compileRoute('GET /repos/:owner/:repo/contents/*path', getContentsHandler),
    compileRoute('PUT /repos/:owner/:repo/contents/*path', putContentsHandler),
    compileRoute('GET /repos/:owner/:repo/pulls', listPullsHandler),
    compileRoute('POST /repos/:owner/:repo/pulls', createPullHandler),
    compileRoute('GET /repos/:owner/:repo/pulls/:number', (ctx) => {
      const { repo, pr } = pullOf(ctx);
      return { status: 200, body: pullJson(repo, pr) };
    }),
  ];

  // ---- HTTP plumbing ----

  function route(method: string, path: string, rawPath: string, query: Record<string, string>, body: unknown): Reply {
    let segs: string[];
    try {
      segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return errorBody(404, 'Not Found');
    }
    const hit = matchRoute(routes, method, segs);
    if (!hit) return errorBody(404, 'Not Found');
    try {
      return hit.route.handler({ params: hit.params, query, body, rawPath });
    } catch (err) {
      if (err instanceof HttpError) return err.reply;
      throw err;
    }
  }

  const installationTokens = new Set<string>();

  function authorized(headers: Record<string, string>): boolean {
    if (opts.token === undefined && !opts.app) return true;
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(headers.authorization ?? '');
    return m?.[1] === opts.token || installationTokens.has(m?.[1] ?? '');
  }

  /** Checks an app JWT the way GitHub does: RS256 signature, issuer is the app id, not expired. */
  function validAppJwt(headers: Record<string, string>): boolean {
    if (!opts.app) return false;
    const jwt = /^bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1] ?? '';
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return false;
    const ok = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(opts.app.publicKeyPem, Buffer.from(signature, 'base64url'));
    if (!ok) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string | number; exp?: number };
    return String(claims.iss) === opts.app.id && (claims.exp ?? 0) * 1000 > now();
  }

  function installationToken(call: FakeCall): Reply {
    const id = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(call.path)?.[1];
    if (!validAppJwt(call.headers)) return errorBody(401, 'A JSON web token could not be decoded');
    if (id !== opts.app?.installationId) return errorBody(404, 'Not Found');
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    installationTokens.add(token);
    return { status: 201, body: { token, expires_at: new Date(now() + 3_600_000).toISOString(), permissions: { issues: 'write' }, repository_selection: 'all' } };
  }

  function takeFault(method: string, path: string): FaultRule | null {
    const t = now();
    faults = faults.filter((f) => f.remaining > 0 && (f.until === null || f.until > t));
    const hit = faults.find((f) => ruleMatches(f.rule, method, path));
    if (!hit) return null;
    hit.remaining -= 1;
    return hit.rule;
  }

  function standardHeaders(path: string): Record<string, string> {
    refillIfDue();
    // GitHub does not charge for GET /rate_limit.
    if (path !== '/rate_limit' && rate.remaining > 0) {
      rate.remaining -= 1;
      rate.used += 1;
    }
    return {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': requestId(),
      'x-ratelimit-limit': String(rate.limit),
      'x-ratelimit-remaining': String(rate.remaining),
      'x-ratelimit-used': String(rate.used),
      'x-ratelimit-reset': String(rate.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  function send(res: ServerResponse, call: FakeCall, reply: Reply): void {
    pending.delete(res);
    if (res.destroyed) return;
    const headers = { ...standardHeaders(call.path), ...reply.headers };
    const payload = reply.body === undefined || reply.status === 204 ? '' : JSON.stringify(reply.body);
    if (payload === '') delete headers['content-type'];
    call.status = reply.status;
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  function faultReply(rule: FaultRule, status: number): Reply {
    const body = rule.body !== undefined ? rule.body : { message: STATUS_CODES[status] ?? 'Error', documentation_url: DOCS };
    return { status, body, ...(rule.headers ? { headers: rule.headers } : {}) };
  }

  function primaryLimitHit(): boolean {
    refillIfDue();
    return rate.remaining <= 0;
  }

  /** The answer GitHub would give, applying the request to state on the way. */
  function normalReply(call: FakeCall, rawPath: string, parsed: ReturnType<typeof parseBody>): Reply {
    if (call.method === 'POST' && call.path.startsWith('/app/installations/')) return installationToken(call);
    if (!authorized(call.headers)) return errorBody(401, 'Bad credentials');
    if (call.path !== '/rate_limit' && primaryLimitHit()) {
      return { status: 403, body: { message: 'API rate limit exceeded for installation ID 1.', documentation_url: PRIMARY_DOCS, status: '403' } };
    }
    if (!parsed.ok) return errorBody(400, 'Problems parsing JSON');
    return route(call.method, call.path, rawPath, call.query, parsed.value);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const parsed = parseBody(raw);
    const call: FakeCall = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: parsed.ok ? parsed.value : parsed.raw,
      headers: headerRecord(req),
      status: 0,
      at: now(),
    };
    calls.push(call);
    pending.add(res);
    res.on('close', () => pending.delete(res));
    const rawPath = `${url.pathname}${url.search}`;
    const rule = takeFault(call.method, call.path);
    const effect = rule?.afterEffect ? normalReply(call, rawPath, parsed) : undefined;
    if (rule?.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
    if (rule?.hang) return; // stays in `pending` until the client gives up or close()
    if (rule?.drop) {
      pending.delete(res);
      req.socket.destroy();
      return;
    }
    if (rule?.status !== undefined) return send(res, call, faultReply(rule, rule.status));
    send(res, call, effect ?? normalReply(call, rawPath, parsed));
  }

  // ---- lifecycle ----

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake should fail the test loudly, not look like a GitHub outage.
      console.error('[fake_github] handler crashed', err);
      if (!res.headersSent) {
        res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(`fake_github crashed: ${String(err)}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  function queue(rule: FaultRule, remaining: number, until: number | null): void {
    faults.push({ rule: { ...rule }, remaining, until });
  }

  const api: FakeGitHub = {
    url: baseUrl,
    port,
    calls,
    callsTo: (method, pathPattern) => calls.filter((c) => ruleMatches({ method, path: pathPattern }, c.method, c.path)),
    issues: (repo) => [...mustRepo(repo).issues.values()].sort((a, b) => a.number - b.number).map((i) => structuredClone(i)),
    issue: (repo, number) => {
      const found = mustRepo(repo).issues.get(number);
      return found ? structuredClone(found) : undefined;
    },
    labels: (repo) => [...mustRepo(repo).labels.values()].map((l) => ({ ...l })),
    seedIssue: (repo, seed) => structuredClone(createIssue(mustRepo(repo), seed)),
    editIssue: (repo, number, edit) => {
      const state = mustRepo(repo);
      const issue = state.issues.get(number);
      if (!issue) throw new Error(`fake_github: no issue ${repo}#${number}`);
      const { state: newState, state_reason, labels, ...plain } = edit;
      Object.assign(issue, plain);
      if (newState !== undefined) setState(issue, newState, state_reason);
      if (labels) issue.labels = ensureLabels(state, labels);
      touch(state, issue);
      return structuredClone(issue);
    },
    deleteIssue: (repo, number) => {
      const state = mustRepo(repo);
      state.issues.delete(number);
      state.deleted.add(number);
    },
    seedLabel: (repo, label) => {
      const state = mustRepo(repo);
      const existing = findLabel(state, label.name);
      if (existing) return { ...existing };
      return { ...addLabel(state, label.name, label.color, label.description ?? null) };
    },
    branchSha: (repo, branch) => mustRepo(repo).branches.get(branch),
    files: (repo, branch) => {
      const state = mustRepo(repo);
      const commit = resolveRef(state, branch);
      if (!commit || !state.branches.has(branch)) return undefined;
      return Object.fromEntries([...commit.files.entries()].map(([path, f]) => [path, f.content.toString('utf8')]));
    },
    pullRequests: (repo) => [...mustRepo(repo).pulls.values()].sort((a, b) => a.number - b.number).map((p) => ({ ...p })),
    closePullRequest: (repo, number, how = {}) => {
      const state = mustRepo(repo);
      const pr = state.pulls.get(number);
      if (!pr) throw new Error(`fake_github: no pull request ${repo}#${number}`);
      const t = iso(now());
      Object.assign(pr, { state: 'closed', closed_at: t, updated_at: t });
      if (how.merged) {
        Object.assign(pr, { merged: true, merged_at: t });
        state.branches.set(pr.base, state.branches.get(pr.head)!);
      }
      return { ...pr };
    },
    fail: (rule) => queue(rule, rule.times ?? 1, null),
    failFor: (ms, rule) => queue(rule, Number.POSITIVE_INFINITY, now() + ms),
    failWith5xx: (times = 1, status = 502, scope = {}) => queue({ ...scope, status }, times, null),
    secondaryRateLimit: (times = 1, retryAfterSeconds = 1, scope = {}) => {
      const { status = 403, ...where } = scope;
      queue(
        { ...where, status, headers: { 'retry-after': String(retryAfterSeconds) }, body: { message: SECONDARY_MESSAGE, documentation_url: SECONDARY_DOCS } },
        times,
        null,
      );
    },
    hangNext: (times = 1, scope = {}) => queue({ ...scope, hang: true }, times, null),
    pendingFaults: () => faults.filter((f) => f.remaining > 0 && (f.until === null || f.until > now())).length,
    rateLimit: () => {
      refillIfDue();
      return { ...rate };
    },
    setRateLimit: (patch) => {
      Object.assign(rate, patch);
      rate.used = Math.max(0, rate.limit - rate.remaining);
    },
    reset: () => {
      calls.length = 0;
      faults = [];
      Object.assign(rate, freshRateLimit());
    },
    resetState: () => {
      repos = new Map();
      searchIndex = new Map();
      nextIssueId = 1_000_001;
      nextLabelId = 2_000_001;
      nextCommentId = 3_000_001;
      nextPullId = 4_000_001;
    },
    close: async () => {
      for (const res of pending) res.destroy();
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
  return api;
}
