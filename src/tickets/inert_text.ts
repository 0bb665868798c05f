// Makes untrusted text (trace comments, titles, error messages) inert in a GitHub issue: redacted
// (src/redaction.ts), and mentions, issue references, closing keywords, links, HTML and block markdown
// defused, cut to a length without splitting what must stay whole.
//
// Every pattern here is anchored so that a failed match costs at most the length of one token, never the
// rest of the input: no catastrophic backtracking on hostile megabyte-long messages.

import { redactSecrets } from '../redaction.js';

const ELLIPSIS = '…';
/** Inserted after `@`, inside closing keywords and after `#` so GitHub neither pings, links nor closes. */
const ZERO_WIDTH_JOINER = '\u200D';

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** A backslash only escapes ASCII punctuation; doubling it there keeps our own escapes unambiguous. */
const BACKSLASH_BEFORE_PUNCTUATION = /\\(?=[!-\/:-@[-`{-~])/g;

/** `@alice`, `@org/team`; not the `@` of an email address, which follows a word character. */
const MENTION = /(?<![\w.+-])@(?=[A-Za-z0-9])/g;

/** GitHub's closing keywords, when followed by something they would close. */
const CLOSING_KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=:?\s+(?:(?:[\w.-]+\/[\w.-]+)?#\d|gh-\d|https?:\/\/github\.com\/))/gi;

const ISSUE_REFERENCE = /(#|\bGH-)(?=\d)/gi;

/** A `[` that could open a link, an image or a link definition; recur's own placeholders are left as they are. */
const OPEN_BRACKET = /\[(?!redacted:[a-z-]+\])/g;

/** A `]` that could close a link's text or a definition's label: `](url)`, `][ref]`, `]: url`. */
const LINK_CLOSE = /\](?=[(\[:])/g;

/**
 * Where GitHub turns bare text into a link: `http://`, `https://`, `ftp://` (the scheme is read back over
 * letters only, so `_https://` links too) and `www.`.
 */
const AUTOLINK_START = /(?<![a-z])(?:https?|ftp)(?=:\/\/)|(?<![a-z0-9])www(?=\.)/gi;

/**
 * Line starts that would open a block: headings, fences, list items and task boxes, setext underlines and
 * thematic breaks. (`>` and `<` are already entities by then; `|` is escaped everywhere.)
 */
const BLOCK_MARKER_AT_LINE_START = /^([ \t]*)(?=#|`{3,}|~{3,}|[-*+](?:[ \t]|$)|([-=*_])(?:[ \t]*\2)*[ \t]*$)/gm;

/**
 * Makes text inert in a GitHub issue body while keeping its line structure: no HTML (so no forged
 * `<!-- recur:family=... -->` markers or `</details>`), no pings, no issue links or closing keywords, no
 * links, images or autolinked URLs (a URL shows as text, not as a link), and no markdown block that could
 * end the section it is placed in. The output is for markdown prose, not for code spans or fences, where
 * the entities and backslashes would show literally.
 */
export function neutralizeForGitHub(text: string): string {
  return text
    .replace(BACKSLASH_BEFORE_PUNCTUATION, '\\\\')
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c)
    .replace(MENTION, `@${ZERO_WIDTH_JOINER}`)
    .replace(CLOSING_KEYWORD, (keyword) => `${keyword.slice(0, 1)}${ZERO_WIDTH_JOINER}${keyword.slice(1)}`)
    .replace(ISSUE_REFERENCE, `$1${ZERO_WIDTH_JOINER}`)
    .replace(AUTOLINK_START, `$&${ZERO_WIDTH_JOINER}`)
    .replace(/\|/g, '\\|')
    .replace(LINK_CLOSE, '\\]')
    .replace(OPEN_BRACKET, '\\[')
    .replace(BLOCK_MARKER_AT_LINE_START, '$1\\');
}

export function redactForTicket(text: string): string {
  return neutralizeForGitHub(redactSecrets(text));
}

/**
 * Pieces of neutralized text that must not be cut apart: placeholders, entities, backslash escapes,
 * surrogate pairs, each with the zero-width joiner that may follow it.
 */
const UNCUTTABLE_UNIT = /(?:\[redacted:[a-z-]+\]|&(?:amp|lt|gt);|\\[\s\S]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S])\u200D?/g;
const LONGEST_UNIT = 32;

/**
 * One line of safe text for titles, table cells and list items: redacted, whitespace collapsed to single
 * spaces, neutralized, and at most `maxLength` UTF-16 code units long including escapes and the `…`.
 */
export function inlineText(text: string, maxLength: number): string {
  const oneLine = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return truncate(neutralizeForGitHub(oneLine), maxLength);
}

function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength < ELLIPSIS.length) return '';
  const budget = maxLength - ELLIPSIS.length;
  let end = 0;
  for (const unit of text.slice(0, maxLength + LONGEST_UNIT).matchAll(UNCUTTABLE_UNIT)) {
    if (end + unit[0].length > budget) break;
    end += unit[0].length;
  }
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}

/** A ticket title: GitHub renders no HTML or markdown there, but it still links `#12` and names `@people`. */
export function titleText(text: string, maxLength: number): string {
  const oneLine = redactSecrets(text).replace(/\s+/g, ' ').trim();
  const inert = oneLine
    .replace(MENTION, `@${ZERO_WIDTH_JOINER}`)
    .replace(CLOSING_KEYWORD, (keyword) => `${keyword.slice(0, 1)}${ZERO_WIDTH_JOINER}${keyword.slice(1)}`)
    .replace(ISSUE_REFERENCE, `$1${ZERO_WIDTH_JOINER}`);
  return truncate(inert, maxLength);
}

/** Multi-line untrusted text for a ticket body section, redacted, neutralized and cut without breaking an escape. */
export function blockText(text: string, maxLength: number): string {
  return truncate(redactForTicket(text), maxLength);
}

/** Text for inside a markdown code span, where nothing renders: only backticks and line breaks need to go. */
export function codeText(text: string, maxLength: number): string {
  const plain = redactSecrets(text).replace(/[`\r\n]+/g, ' ').trim();
  return `\`${truncate(plain, maxLength) || ' '}\``;
}
