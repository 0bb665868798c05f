// The HTML pages: the overview needs the `read` scope, by bearer token or by HTTP Basic with the token as the
// password (a browser's only way in), and asks for Basic when it gets neither. Every page is served with a
// CSP that forbids scripts and inline styles, and with nosniff. Basic opens only the pages, never the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicPassword } from '../../src/http/auth.js';
import { startHarness, type Harness } from '../helpers/recur.js';

const TOKENS = { read: 'reader-token-0123456789abcdef', write: 'writer-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('overview page auth', () => {
  let h: Harness;
  const get = (path: string, authorization?: string) => h.app.request(path, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    h = await startHarness({
      backend: 'pglite',
      worker: false,
      env: { RECUR_API_TOKENS: Object.entries(TOKENS).map(([scope, token]) => `${scope}er:${scope}:${token}`).join(',') },
    });
  });
  afterAll(() => h?.close());

  it('answers 401 with a Basic challenge and the error shape when no credentials are sent', async () => {
    const res = await get('/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="recur", charset="UTF-8"');
    expect(((await res.json()) as any).error.code).toBe('unauthorized');
  });

  it.each([
    ['a wrong Basic password', basic('ops', 'not-a-token-0123456789abcdef')],
    ['a token as the Basic user name', basic(TOKENS.read, '')],
    ['a wrong bearer token', 'Bearer not-a-token-0123456789abcdef'],
    ['a malformed Basic header', 'Basic !!!'],
  ])('answers 401 with a challenge for %s', async (_, authorization) => {
    const res = await get('/', authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="recur"/);
  });

  it.each([
    ['Bearer', `Bearer ${TOKENS.write}`],
    ['Basic', basic('ops', TOKENS.write)],
  ])('answers 403 to a %s token without the read scope', async (_, authorization) => {
    const res = await get('/', authorization);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('forbidden');
  });

  it.each([
    ['Basic with the read token', basic('ops', TOKENS.read)],
    ['Basic with any user name', basic('', TOKENS.read)],
    ['Basic with the admin token', basic('admin', TOKENS.admin)],
    ['Bearer with the read token', `Bearer ${TOKENS.read}`],
  ])('serves the page to %s', async (_, authorization) => {
    const res = await get('/', authorization);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('<h1>Overview</h1>');
  });

  it('does not let Basic into the API', async () => {
    const res = await get('/v1/families', basic('ops', TOKENS.read));
    expect(res.status).toBe(401);
  });

  it.each(['/docs', '/assets/recur.css', '/assets/icon.svg'])('serves %s without credentials, like /openapi.json', async (path) => {
    expect((await get(path)).status).toBe(200);
  });

  it.each(['/', '/docs'])('serves %s with a CSP that allows no script and no inline style, and nosniff', async (path) => {
    const res = await get(path, `Bearer ${TOKENS.read}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.has('script-src')).toBe(false);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the stylesheet as CSS with nosniff, and answers 304 to its etag', async () => {
    const res = await get('/assets/recur.css');
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const again = await h.app.request('/assets/recur.css', { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});

describe('overview page with no API tokens configured', () => {
  it('is open, like the API', async () => {
    const h = await startHarness({ backend: 'pglite', worker: false });
    try {
      expect((await h.app.request('/')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('Basic credentials', () => {
  it.each([
    [basic('user', 'pass:with:colons'), 'pass:with:colons'],
    [basic('', 'token'), 'token'],
    [basic('user', ''), undefined],
    ['Basic dXNlcg==', undefined],
    ['Bearer token', undefined],
    [undefined, undefined],
  ])('%s carries the password %s', (header, password) => {
    expect(basicPassword(header)).toBe(password);
  });
});
