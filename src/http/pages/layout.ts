// The shell every HTML page shares, and the headers that make showing untrusted text safe: nothing on a page
// may run a script, load from elsewhere or be framed, and the one stylesheet comes from this origin.
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const STYLESHEET_PATH = '/assets/recur.css';
export const ICON_PATH = '/assets/icon.svg';

export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/docs', label: 'API docs' },
  { href: '/openapi.json', label: 'openapi.json' },
] as const;

export function renderPage(opts: { title: string; current: string; body: Html }): string {
  return toText(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" href="${ICON_PATH}" type="image/svg+xml">
</head>
<body>
<header class="top"><span class="brand">recur</span><nav>${NAV.map(
    (n) => html`<a href="${n.href}"${n.href === opts.current ? html` aria-current="page"` : ''}>${n.label}</a>`,
  )}</nav></header>
<main>
${opts.body}
</main>
</body>
</html>
`);
}

/** hono's html tag is synchronous unless handed a promise, which no page does. */
export function toText(fragment: Html): string {
  if (fragment instanceof Promise) throw new Error('page fragments are rendered synchronously');
  return fragment.toString();
}

export function htmlPage(c: Context, page: string) {
  return c.body(page, 200, PAGE_HEADERS);
}

/** Only http(s) links are made clickable: a `javascript:` URL from a webhook must stay text. */
export function safeHref(url: string | null | undefined): string | null {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}
