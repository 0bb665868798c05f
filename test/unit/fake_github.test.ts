// Exercises the fake GitHub server through the real @octokit/rest client (with the retry and throttling plugins)
// so tests that rely on it know it answers the way Octokit expects.
import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake_github.js';

const TOKEN = 'ghs_test_token';
const owner = 'acme';
const repo = 'agents';
const REPO = `${owner}/${repo}`;

const RetryingOctokit = Octokit.plugin(retry);
// @octokit/rest's request-log plugin reports every failed request on stderr; the failures here are on purpose.
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const ThrottledOctokit = Octokit.plugin(retry, throttling);

// retryAfterBaseValue: 1 turns the plugins' "seconds" into milliseconds so retries don't slow the suite.
function client(gh: FakeGitHub, opts: { retries?: number; auth?: string } = {}): InstanceType<typeof RetryingOctokit> {
  return new RetryingOctokit({
    auth: opts.auth ?? TOKEN,
    baseUrl: gh.url,
    log: quiet,
    retry: { retryAfterBaseValue: 1, ...(opts.retries === undefined ? {} : { retries: opts.retries }) },
  });
}

function errorOf(p: Promise<unknown>): Promise<{ status?: number; name?: string; message?: string; response?: { data?: unknown; headers?: Record<string, string> } }> {
  return p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: unknown) => err as { status?: number },
  );
}

let gh: FakeGitHub;
let octokit: InstanceType<typeof RetryingOctokit>;

beforeEach(async () => {
  gh = await startFakeGitHub({ token: TOKEN });
  octokit = client(gh);
});

afterEach(async () => {
  await gh.close();
});

describe('issues', () => {
  it('creates, gets and updates an issue with GitHub shapes', async () => {
    const created = await octokit.rest.issues.create({ owner, repo, title: 'Refund tool times out', body: 'marker', labels: ['recur', 'family:abc'], assignees: ['alice'] });
    expect(created.status).toBe(201);
    const issue = created.data;
    expect(issue).toMatchObject({
      number: 1,
      title: 'Refund tool times out',
      body: 'marker',
      state: 'open',
      state_reason: null,
      comments: 0,
      user: { login: 'recur-bot' },
      assignees: [{ login: 'alice' }],
      assignee: { login: 'alice' },
      html_url: `https://github.com/${REPO}/issues/1`,
      url: `${gh.url}/repos/${REPO}/issues/1`,
    });
    expect(issue.id).not.toBe(issue.number);
    expect(issue.labels).toEqual([
      expect.objectContaining({ name: 'recur', color: 'ededed', id: expect.any(Number) }),
      expect.objectContaining({ name: 'family:abc', color: 'ededed', id: expect.any(Number) }),
    ]);
    expect(issue.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const got = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(got.data).toEqual(issue);
    expect((await errorOf(octokit.rest.issues.get({ owner, repo, issue_number: 99 }))).status).toBe(404);

    const closed = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: 'closed', state_reason: 'not_planned', labels: ['recur'] });
    expect(closed.data).toMatchObject({ state: 'closed', state_reason: 'not_planned', labels: [expect.objectContaining({ name: 'recur' })] });
    expect(closed.data.closed_at).not.toBeNull();
    const reopened = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: 'open', title: 'Renamed', assignees: [] });
    expect(reopened.data).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null, title: 'Renamed', assignees: [] });
    expect(gh.issue(REPO, 1)).toMatchObject({ title: 'Renamed', labels: ['recur'], state: 'open' });
  });

  it('numbers issues per repo and rejects a create without a title or with a too-long one', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 'a' });
    const other = await octokit.rest.issues.create({ owner, repo: 'other', title: 'b' });
    expect(other.data.number).toBe(1);
    const noTitle = await fetch(`${gh.url}/repos/${REPO}/issues`, { method: 'POST', headers: { authorization: `token ${TOKEN}` }, body: '{"body":"x"}' });
    expect(noTitle.status).toBe(422);
    const long = await errorOf(octokit.rest.issues.create({ owner, repo, title: 'x'.repeat(257) }));
    expect(long.status).toBe(422);
    expect(gh.issues(REPO)).toHaveLength(1);
  });

  it('lists with filters, sorting and link-header pagination (manual and octokit.paginate)', async () => {
    for (let i = 1; i <= 35; i++) gh.seedIssue(REPO, { title: `issue ${i}`, labels: i % 5 === 0 ? ['recur', 'hot'] : ['recur'] });
    gh.editIssue(REPO, 3, { state: 'closed' });

    const pages: number[] = [];
    let page = 1;
    for (;;) {
      const res = await octokit.rest.issues.listForRepo({ owner, repo, state: 'all', per_page: 10, page });
      pages.push(res.data.length);
      if (!/rel="next"/.test(res.headers.link ?? '')) break;
      page += 1;
    }
    expect(pages).toEqual([10, 10, 10, 5]);

    const first = await octokit.rest.issues.listForRepo({ owner, repo, state: 'all', per_page: 10 });
    expect(first.headers.link).toContain(`<${gh.url}/repos/${REPO}/issues?state=all&per_page=10&page=2>; rel="next"`);
    expect(first.headers.link).toContain('page=4>; rel="last"');
    expect(first.data[0]?.number).toBe(35); // default sort: created, desc

    gh.reset();
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: 'all', per_page: 10, direction: 'asc' });
    expect(all.map((i) => i.number)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    expect(gh.callsTo('GET', /\/issues$/).map((c) => c.query.page ?? '1')).toEqual(['1', '2', '3', '4']);

    const open = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 100 });
    expect(open).toHaveLength(34);
    const closed = await octokit.rest.issues.listForRepo({ owner, repo, state: 'closed' });
    expect(closed.data.map((i) => i.number)).toEqual([3]);
    const hot = await octokit.rest.issues.listForRepo({ owner, repo, labels: 'recur,HOT', state: 'all' });
    expect(hot.data.map((i) => i.number)).toEqual([35, 30, 25, 20, 15, 10, 5]);
    const defaults = await octokit.rest.issues.listForRepo({ owner, repo, state: 'all' });
    expect(defaults.data).toHaveLength(30);
  });
});

describe('labels', () => {
  it('creates labels implicitly and through the labels API, with 422 already_exists', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 't', labels: ['recur'] });
    expect(gh.labels(REPO)).toEqual([expect.objectContaining({ name: 'recur', color: 'ededed', description: null })]);

    const got = await octokit.rest.issues.getLabel({ owner, repo, name: 'RECUR' });
    expect(got.data).toMatchObject({ name: 'recur', color: 'ededed', default: false });
    expect((await errorOf(octokit.rest.issues.getLabel({ owner, repo, name: 'missing' }))).status).toBe(404);

    const made = await octokit.rest.issues.createLabel({ owner, repo, name: 'sev: high / p1', color: 'B60205', description: 'Severity' });
    expect(made.status).toBe(201);
    expect(made.data).toMatchObject({ name: 'sev: high / p1', color: 'b60205', description: 'Severity', id: expect.any(Number) });
    expect((await octokit.rest.issues.getLabel({ owner, repo, name: 'sev: high / p1' })).data.id).toBe(made.data.id);

    const dup = await errorOf(octokit.rest.issues.createLabel({ owner, repo, name: 'Recur', color: '00ff00' }));
    expect(dup.status).toBe(422);
    expect(dup.response?.data).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
    expect((await errorOf(octokit.rest.issues.createLabel({ owner, repo, name: 'x', color: '#ff0000' }))).status).toBe(422);
  });

  it('adds and removes labels on an issue', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 't', labels: ['recur'] });
    const added = await octokit.rest.issues.addLabels({ owner, repo, issue_number: 1, labels: ['regressed', 'recur'] });
    expect(added.status).toBe(200);
    expect(added.data.map((l) => l.name)).toEqual(['recur', 'regressed']);
    const removed = await octokit.rest.issues.removeLabel({ owner, repo, issue_number: 1, name: 'recur' });
    expect(removed.data.map((l) => l.name)).toEqual(['regressed']);
    const again = await errorOf(octokit.rest.issues.removeLabel({ owner, repo, issue_number: 1, name: 'recur' }));
    expect(again.status).toBe(404);
    expect(again.response?.data).toMatchObject({ message: 'Label does not exist' });
    expect(gh.issue(REPO, 1)?.labels).toEqual(['regressed']);
  });
});

describe('comments, assignees and search', () => {
  it('creates and lists comments and bumps the issue comment count', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 't' });
    const c = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: 'seen again' });
    expect(c.status).toBe(201);
    expect(c.data).toMatchObject({ body: 'seen again', user: { login: 'recur-bot' }, html_url: `https://github.com/${REPO}/issues/1#issuecomment-${c.data.id}` });
    expect(c.data.created_at).toEqual(expect.any(String));
    for (let i = 0; i < 4; i++) await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: `n${i}` });
    const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 1, per_page: 2 });
    expect(all.map((x) => x.body)).toEqual(['seen again', 'n0', 'n1', 'n2', 'n3']);
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: 1 })).data.comments).toBe(5);
    expect(gh.issue(REPO, 1)?.comments.map((x) => x.user)).toEqual(Array(5).fill('recur-bot'));
    expect((await errorOf(octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'x' }))).status).toBe(404);
  });

  it('adds assignees with a 201 issue', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 't' });
    const res = await octokit.rest.issues.addAssignees({ owner, repo, issue_number: 1, assignees: ['bob', 'carol'] });
    expect(res.status).toBe(201);
    expect(res.data.assignees?.map((a) => a.login)).toEqual(['bob', 'carol']);
  });

  it('searches issue bodies by quoted phrase within a repo', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 'a', body: 'family\n<!-- recur:family=fam_123 -->' });
    await octokit.rest.issues.create({ owner, repo, title: 'b', body: 'family\n<!-- recur:family=fam_456 -->' });
    await octokit.rest.issues.create({ owner, repo: 'other', title: 'c', body: '<!-- recur:family=fam_123 -->' });
    const q = `repo:${REPO} is:issue in:body "recur:family=fam_123"`;
    const res = await octokit.rest.search.issuesAndPullRequests({ q });
    expect(res.data).toMatchObject({ total_count: 1, incomplete_results: false });
    expect(res.data.items.map((i) => i.number)).toEqual([1]);
    expect(res.data.items[0]).toMatchObject({ title: 'a', state: 'open', score: expect.any(Number) });
    const titleOnly = await octokit.rest.search.issuesAndPullRequests({ q: `repo:${REPO} in:title "recur:family"` });
    expect(titleOnly.data.total_count).toBe(0);
    const closed = await octokit.rest.search.issuesAndPullRequests({ q: `repo:${REPO} is:closed "fam_123"` });
    expect(closed.data.total_count).toBe(0);
  });

  it('models search index lag when asked to', async () => {
    let clock = Date.now();
    const lagged = await startFakeGitHub({ searchLagMs: 5_000, now: () => clock });
    try {
      const kit = client(lagged);
      const search = async (): Promise<number> => (await kit.rest.search.issuesAndPullRequests({ q: `repo:${REPO} "needle"` })).data.total_count;
      await kit.rest.issues.create({ owner, repo, title: 'a', body: 'needle' });
      expect(await search()).toBe(0);
      clock += 5_000;
      expect(await search()).toBe(1);
      await kit.rest.issues.update({ owner, repo, issue_number: 1, body: 'moved on' });
      expect(await search()).toBe(1); // the index still holds the old body
      clock += 5_000;
      expect(await search()).toBe(0);
    } finally {
      await lagged.close();
    }
  });
});

describe('branches, contents and pull requests', () => {
  const BRANCH = 'recur/regression-fam1';
  const PATH = 'evals/regressions/fam1.json';
  const blobSha = (text: string) => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest('hex');
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const branchFromMain = async () => {
    const main = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    return octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${BRANCH}`, sha: main.data.object.sha });
  };

  it('answers the default branch and refs, with slashes in branch names encoded or not', async () => {
    expect((await octokit.rest.repos.get({ owner, repo })).data).toMatchObject({ full_name: REPO, default_branch: 'main' });
    const main = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    expect(main.data).toMatchObject({ ref: 'refs/heads/main', object: { type: 'commit', sha: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect((await errorOf(octokit.rest.git.getRef({ owner, repo, ref: `heads/${BRANCH}` }))).status).toBe(404);

    const made = await branchFromMain();
    expect(made.status).toBe(201);
    expect(made.data).toMatchObject({ ref: `refs/heads/${BRANCH}`, object: { sha: main.data.object.sha } });
    expect(gh.branchSha(REPO, BRANCH)).toBe(main.data.object.sha);
    expect((await octokit.rest.git.getRef({ owner, repo, ref: `heads/${BRANCH}` })).data.object.sha).toBe(main.data.object.sha);
    const raw = await fetch(`${gh.url}/repos/${REPO}/git/ref/heads/${BRANCH}`, { headers: { authorization: `token ${TOKEN}` } });
    expect(raw.status).toBe(200);
    expect(gh.callsTo('GET', /\/git\/ref\/heads(%2F|\/)recur/).map((c) => c.path)).toEqual([
      `/repos/${REPO}/git/ref/heads%2Frecur%2Fregression-fam1`,
      `/repos/${REPO}/git/ref/heads%2Frecur%2Fregression-fam1`,
      `/repos/${REPO}/git/ref/heads/recur/regression-fam1`,
    ]);

    const again = await errorOf(branchFromMain());
    expect(again.status).toBe(422);
    expect(again.response?.data).toMatchObject({ message: 'Reference already exists' });
    expect((await errorOf(octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/x', sha: 'f'.repeat(40) }))).status).toBe(422);
    expect((await errorOf(octokit.rest.git.createRef({ owner, repo, ref: 'heads/x', sha: main.data.object.sha }))).status).toBe(422);
  });

  it('puts and gets files by git blob sha, refusing a replace without the current sha', async () => {
    await branchFromMain();
    const first = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: PATH, branch: BRANCH, message: 'add', content: b64('{"a":1}\n') });
    expect(first.status).toBe(201);
    expect(first.data.content).toMatchObject({ path: PATH, name: 'fam1.json', sha: blobSha('{"a":1}\n') });
    expect(gh.callsTo('PUT', /\/contents\//)[0]?.path).toBe(`/repos/${REPO}/contents/evals%2Fregressions%2Ffam1.json`);

    const got = await octokit.rest.repos.getContent({ owner, repo, path: PATH, ref: BRANCH });
    const file = got.data as { type: string; sha: string; content: string; encoding: string };
    expect(file).toMatchObject({ type: 'file', encoding: 'base64', sha: blobSha('{"a":1}\n') });
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toBe('{"a":1}\n');
    expect((await errorOf(octokit.rest.repos.getContent({ owner, repo, path: PATH }))).status).toBe(404); // not on main
    expect((await errorOf(octokit.rest.repos.getContent({ owner, repo, path: PATH, ref: 'no-such-branch' }))).status).toBe(404);
    const folder = await octokit.rest.repos.getContent({ owner, repo, path: 'evals', ref: BRANCH });
    expect(folder.data).toEqual([expect.objectContaining({ type: 'dir', path: 'evals/regressions' })]);

    const write = (sha?: string) =>
      octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: PATH, branch: BRANCH, message: 'update', content: b64('{"a":2}\n'), ...(sha ? { sha } : {}) });
    const noSha = await errorOf(write());
    expect(noSha.status).toBe(422);
    expect(noSha.response?.data).toMatchObject({ message: expect.stringMatching(/"sha" wasn't supplied/) });
    expect((await errorOf(write(blobSha('stale')))).status).toBe(409);
    expect(gh.files(REPO, BRANCH)?.[PATH]).toBe('{"a":1}\n');
    const replaced = await write(file.sha);
    expect(replaced.status).toBe(200);
    expect(replaced.data.content?.sha).toBe(blobSha('{"a":2}\n'));
    expect(gh.files(REPO, BRANCH)).toEqual({ 'README.md': `# ${repo}\n`, [PATH]: '{"a":2}\n' });
    expect(gh.files(REPO, 'main')).toEqual({ 'README.md': `# ${repo}\n` });
    expect(gh.branchSha(REPO, BRANCH)).not.toBe(gh.branchSha(REPO, 'main'));
    expect((await errorOf(octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: 'x', branch: 'gone', message: 'm', content: b64('x') }))).status).toBe(404);
  });

  it('opens one pull request per head, numbered with the issues, and finds it by owner:branch in any state', async () => {
    await octokit.rest.issues.create({ owner, repo, title: 'the ticket' });
    await branchFromMain();
    const create = () => octokit.rest.pulls.create({ owner, repo, title: 'Regression evaluator', body: 'Refs #1', head: BRANCH, base: 'main' });
    const empty = await errorOf(create());
    expect(empty.status).toBe(422);
    expect(empty.response?.data).toMatchObject({ errors: [{ message: `No commits between main and ${BRANCH}` }] });

    await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: PATH, branch: BRANCH, message: 'add', content: b64('{}') });
    const opened = await create();
    expect(opened.status).toBe(201);
    expect(opened.data).toMatchObject({ number: 2, state: 'open', merged_at: null, body: 'Refs #1', head: { ref: BRANCH, label: `${owner}:${BRANCH}` }, base: { ref: 'main' }, html_url: `https://github.com/${REPO}/pull/2` });
    const dup = await errorOf(create());
    expect(dup.status).toBe(422);
    expect(dup.response?.data).toMatchObject({ errors: [{ message: `A pull request already exists for ${owner}:${BRANCH}.` }] });
    expect((await octokit.rest.issues.create({ owner, repo, title: 'next' })).data.number).toBe(3);

    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/other', sha: gh.branchSha(REPO, BRANCH)! });
    await octokit.rest.pulls.create({ owner, repo, title: 'other', head: 'other', base: 'main' });
    const byHead = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${BRANCH}`, state: 'all' });
    expect(byHead.data.map((p) => p.number)).toEqual([2]);
    expect((await octokit.rest.pulls.list({ owner, repo, head: BRANCH, state: 'all' })).data).toHaveLength(2); // a bare branch filters nothing

    gh.closePullRequest(REPO, 2, { merged: true });
    expect((await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${BRANCH}` })).data).toEqual([]);
    const all = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${BRANCH}`, state: 'all' });
    expect(all.data[0]).toMatchObject({ number: 2, state: 'closed', merged_at: expect.any(String) });
    expect(gh.files(REPO, 'main')?.[PATH]).toBe('{}');
    expect((await octokit.rest.pulls.get({ owner, repo, pull_number: 2 })).data).toMatchObject({ merged: true });
  });

  it('applies fault injection to the new routes: a 502 after the pull request was opened is recorded as such', async () => {
    await branchFromMain();
    await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: PATH, branch: BRANCH, message: 'add', content: b64('{}') });
    gh.fail({ method: 'POST', path: /\/pulls$/, status: 502, afterEffect: true });
    const lost = await errorOf(client(gh, { retries: 0 }).rest.pulls.create({ owner, repo, title: 't', head: BRANCH, base: 'main' }));
    expect(lost.status).toBe(502);
    expect(gh.pullRequests(REPO)).toHaveLength(1);
    expect(gh.callsTo('POST', /\/pulls$/).map((c) => c.status)).toEqual([502]);
    gh.hangNext(1, { method: 'GET', path: /\/contents\// });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 100);
    expect((await errorOf(octokit.rest.repos.getContent({ owner, repo, path: PATH, ref: BRANCH, request: { signal: controller.signal } }))).name).toBe('AbortError');
    clearTimeout(timer);
    expect(gh.callsTo('GET', /\/contents\//).map((c) => c.status)).toEqual([0]);
  });
});

describe('fault injection', () => {
  it('answers 502 once, then the retry plugin succeeds; calls records both', async () => {
    gh.seedIssue(REPO, { title: 't' });
    gh.failWith5xx(1);
    const res = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(res.status).toBe(200);
    expect(gh.callsTo('GET', /^\/repos\/acme\/agents\/issues\/1$/).map((c) => c.status)).toEqual([502, 200]);
    expect(gh.pendingFaults()).toBe(0);
  });

  it('answers a secondary rate limit with retry-after, which the throttling plugin honours', async () => {
    gh.seedIssue(REPO, { title: 't' });
    gh.secondaryRateLimit(1, 7, { path: /\/issues\/1$/ });
    const raw = await fetch(`${gh.url}/repos/${REPO}/issues/1`, { headers: { authorization: `token ${TOKEN}` } });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(raw.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(await raw.json()).toMatchObject({ message: expect.stringMatching(/secondary rate limit/) });

    gh.secondaryRateLimit(2, 3);
    const seen: Array<[number, number]> = [];
    const throttled = new ThrottledOctokit({
      auth: TOKEN,
      baseUrl: gh.url,
      log: quiet,
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        retryAfterBaseValue: 1,
        onRateLimit: () => false,
        onSecondaryRateLimit: (retryAfter, _options, _kit, retryCount) => {
          seen.push([retryAfter, retryCount]);
          return retryCount < 3;
        },
      },
    });
    const res = await throttled.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(res.status).toBe(200);
    expect(seen).toEqual([
      [3, 0],
      [3, 1],
    ]);
    expect(gh.calls.map((c) => c.status)).toEqual([403, 403, 403, 200]);
  });

  it('afterEffect applies the request, then fails: a retried POST duplicates the issue', async () => {
    gh.fail({ method: 'POST', path: /\/issues$/, status: 502, afterEffect: true });
    const noRetry = client(gh, { retries: 0 });
    expect((await errorOf(noRetry.rest.issues.create({ owner, repo, title: 'lost answer' }))).status).toBe(502);
    expect(gh.issues(REPO).map((i) => i.title)).toEqual(['lost answer']);

    gh.fail({ method: 'POST', path: /\/issues$/, status: 502, afterEffect: true });
    const res = await octokit.rest.issues.create({ owner, repo, title: 'retried' });
    expect(res.data.number).toBe(3);
    expect(gh.issues(REPO).map((i) => i.title)).toEqual(['lost answer', 'retried', 'retried']);
  });

  it('hangs until the client gives up, recording status 0; the next call is answered', async () => {
    gh.seedIssue(REPO, { title: 't' });
    gh.hangNext(1);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 150);
    const err = await errorOf(octokit.rest.issues.get({ owner, repo, issue_number: 1, request: { signal: controller.signal } }));
    clearTimeout(timer);
    expect(err.name).toBe('AbortError');
    expect(gh.calls[0]).toMatchObject({ method: 'GET', status: 0 });
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: 1 })).status).toBe(200);

    // AbortSignal.timeout() rejects with a TimeoutError, which Octokit wraps as a status-500 RequestError
    // (only AbortError passes through); plugin-retry then retries with the spent signal, which fails locally.
    gh.reset();
    gh.hangNext(1);
    const timedOut = await errorOf(octokit.rest.issues.get({ owner, repo, issue_number: 1, request: { signal: AbortSignal.timeout(100) } }));
    expect(timedOut.status).toBe(500);
    expect(gh.calls.map((c) => c.status)).toEqual([0]);

    gh.hangNext(1);
    void octokit.rest.issues.get({ owner, repo, issue_number: 1 }).catch(() => undefined); // close() must not wait for it
  });

  it('fails every matching request during a time window', async () => {
    let clock = Date.now();
    const windowed = await startFakeGitHub({ now: () => clock });
    try {
      windowed.seedIssue(REPO, { title: 't' });
      windowed.failFor(10_000, { path: /\/issues\/1$/, status: 503 });
      const kit = client(windowed, { retries: 0 });
      expect((await errorOf(kit.rest.issues.get({ owner, repo, issue_number: 1 }))).status).toBe(503);
      clock += 9_000;
      expect((await errorOf(kit.rest.issues.get({ owner, repo, issue_number: 1 }))).status).toBe(503);
      expect((await kit.rest.issues.listForRepo({ owner, repo })).status).toBe(200);
      clock += 1_000;
      expect((await kit.rest.issues.get({ owner, repo, issue_number: 1 })).status).toBe(200);
      expect(windowed.pendingFaults()).toBe(0);
    } finally {
      await windowed.close();
    }
  });

  it('drops the connection when asked, which Octokit reports as a 500', async () => {
    gh.fail({ drop: true });
    const err = await errorOf(client(gh, { retries: 0 }).rest.rateLimit.get());
    expect(err.status).toBe(500);
    expect(gh.calls[0]?.status).toBe(0);
  });
});

describe('auth, rate limits, errors and the call log', () => {
  it('rejects bad or missing credentials with 401 and accepts token or Bearer', async () => {
    const bad = await errorOf(client(gh, { auth: 'nope' }).rest.issues.listForRepo({ owner, repo }));
    expect(bad.status).toBe(401);
    expect(bad.response?.data).toMatchObject({ message: 'Bad credentials' });
    const none = await fetch(`${gh.url}/repos/${REPO}/issues`);
    expect(none.status).toBe(401);
    const bearer = await fetch(`${gh.url}/repos/${REPO}/issues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(gh.calls.map((c) => c.status)).toEqual([401, 401, 200]);
  });

  it('sends rate-limit headers, serves /rate_limit, and enforces an exhausted primary limit', async () => {
    const a = await octokit.rest.issues.listForRepo({ owner, repo });
    const b = await octokit.rest.issues.listForRepo({ owner, repo });
    expect(a.headers['x-ratelimit-remaining']).toBe('4999');
    expect(b.headers['x-ratelimit-remaining']).toBe('4998');
    expect(b.headers['x-ratelimit-resource']).toBe('core');
    expect(b.headers['x-github-request-id']).toEqual(expect.any(String));
    expect(Number(b.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    const rl = await octokit.rest.rateLimit.get();
    expect(rl.data.resources.core).toMatchObject({ limit: 5000, remaining: 4998, used: 2 });

    gh.setRateLimit({ remaining: 0 });
    const limited = await errorOf(octokit.rest.issues.listForRepo({ owner, repo }));
    expect(limited.status).toBe(403);
    expect(limited.response?.headers?.['x-ratelimit-remaining']).toBe('0');
    expect(limited.response?.data).toMatchObject({ message: expect.stringMatching(/API rate limit exceeded/) });
    gh.setRateLimit({ reset: Math.floor(Date.now() / 1000) - 1 });
    expect((await octokit.rest.issues.listForRepo({ owner, repo })).headers['x-ratelimit-remaining']).toBe('4999');
    gh.reset();
    expect(gh.rateLimit()).toMatchObject({ remaining: 5000, used: 0 });
  });

  it('answers unknown routes with 404 and invalid JSON with 400', async () => {
    const unknown = await errorOf(octokit.request('GET /repos/{owner}/{repo}/frobnicate', { owner, repo }));
    expect(unknown.status).toBe(404);
    expect(unknown.response?.data).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });
    const bad = await fetch(`${gh.url}/repos/${REPO}/issues`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: 'Problems parsing JSON' });
    expect(gh.calls.at(-1)).toMatchObject({ status: 400, body: '{"title": ' });
  });

  it('records method, path, query, body, headers, status and time for each call', async () => {
    const t0 = Date.now();
    await octokit.rest.issues.create({ owner, repo, title: 'logged', labels: ['recur'] });
    await octokit.rest.issues.listForRepo({ owner, repo, labels: 'recur', per_page: 5 });
    expect(gh.calls).toHaveLength(2);
    expect(gh.calls[0]).toMatchObject({ method: 'POST', path: `/repos/${REPO}/issues`, query: {}, body: { title: 'logged', labels: ['recur'] }, status: 201 });
    expect(gh.calls[0]?.headers.authorization).toBe(`token ${TOKEN}`);
    expect(gh.calls[0]?.headers['user-agent']).toMatch(/octokit/);
    expect(gh.calls[0]?.at).toBeGreaterThanOrEqual(t0);
    expect(gh.calls[1]).toMatchObject({ method: 'GET', query: { labels: 'recur', per_page: '5' }, body: undefined, status: 200 });
    expect(gh.callsTo('post', /\/issues$/)).toHaveLength(1);
    gh.reset();
    expect(gh.calls).toHaveLength(0);
    expect(gh.issues(REPO)).toHaveLength(1);
    gh.resetState();
    expect(gh.issues(REPO)).toHaveLength(0);
  });
});
