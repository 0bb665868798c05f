// Redaction: secrets and personal data in untrusted text (error messages, titles, trace comments) are
// replaced by labelled placeholders, `[redacted:<kind>]`, before anything is written to a ticket, a log, a
// model or an embeddings endpoint (docs/architecture.md rule 8). Used by grouping, evaluators and tickets.
//
// Every pattern here is anchored so that a failed match costs at most the length of one token, never the
// rest of the input: no catastrophic backtracking on hostile megabyte-long messages.

function placeholder(label: string): string {
  return `[redacted:${label}]`;
}

function isPlaceholder(value: string): boolean {
  return value.startsWith('[redacted:');
}

// ---------------------------------------------------------------------------------------------------------
// Secrets

const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

const JWT = /(?<![\w-])eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g;

const VENDOR_API_KEY = new RegExp(
  '(?<![\\w-])(?:' +
    [
      'sk-[\\w-]{20,}', // OpenAI (sk-, sk-proj-, sk-svcacct-) and Anthropic (sk-ant-)
      '[rs]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe
      'gh[pousr]_[A-Za-z0-9]{20,}',
      'github_pat_\\w{20,}',
      'xox[abprs]-[A-Za-z0-9-]{10,}', // Slack
      '(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])', // AWS access key id
      'lsv2_(?:pt|sk)_\\w{16,}', // LangSmith
      'AIza[\\w-]{35}', // Google
    ].join('|') +
    ')',
  'g',
);

const AUTHORIZATION_HEADER = /\b(authorization["']?[ \t]*[:=][ \t]*["']?)((?:bearer|basic|token|digest|apikey)[ \t]+)?([^\s"',;]+)/gi;
const BEARER_TOKEN = /\b(bearer[ \t]+)([\w.~+/-]+=*)/gi;

/**
 * `password=...`, `DB_PASSWORD: ...`, `"api_key": "..."`, `?token=...`: the key is kept, the value redacted.
 * The key must end with one of the words (so `max_tokens=5` is left alone).
 */
const SECRET_ASSIGNMENT =
  /(?<![\w-])(["']?)([\w-]*?(?:password|passwd|secret|api[_-]?key|token))\1([ \t]*[=:][ \t]*)("[^"\n]*"?|'[^'\n]*'?|[^\s"'&,;]+)/gi;

const EMAIL = /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/**
 * A run of digit groups joined by single spaces or dashes, not glued to a word, a decimal point or a dash
 * before it (ids, amounts, UUID tails). The run is always taken whole, so scanning never restarts inside it;
 * what follows it and which groups form a card are checked in code (see redactCardsInDigitRun).
 */
const DIGIT_RUN = /(?<![\w.,-])\d+(?:[ -]\d+)*/g;

/**
 * Replaces secrets and personal data with `[redacted:<kind>]`. Specific formats (private keys, JWTs, vendor
 * API keys) are recognised before contextual ones (Authorization headers, `password=`), so a JWT after
 * `Bearer` is labelled `jwt`, and values already redacted are not redacted again.
 */
export function redactSecrets(text: string): string {
  return redactPrivateKeyBlocks(text)
    .replace(JWT, placeholder('jwt'))
    .replace(VENDOR_API_KEY, placeholder('api-key'))
    .replace(AUTHORIZATION_HEADER, (match, prefix: string, scheme: string | undefined, value: string) =>
      isPlaceholder(value) || !(scheme || looksLikeCredential(value)) ? match : `${prefix}${scheme ?? ''}${placeholder('token')}`,
    )
    .replace(BEARER_TOKEN, (match, prefix: string, value: string) =>
      looksLikeCredential(value) ? `${prefix}${placeholder('token')}` : match,
    )
    .replace(SECRET_ASSIGNMENT, redactAssignedValue)
    .replace(EMAIL, placeholder('email'))
    .replace(DIGIT_RUN, redactCardsInDigitRun);
}

/** From BEGIN to the matching END; a block with no END (a truncated log line) is redacted to the end of the text. */
function redactPrivateKeyBlocks(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  PRIVATE_KEY_BEGIN.lastIndex = 0;
  for (let begin = PRIVATE_KEY_BEGIN.exec(text); begin; begin = PRIVATE_KEY_BEGIN.exec(text)) {
    PRIVATE_KEY_END.lastIndex = begin.index + begin[0].length;
    const end = PRIVATE_KEY_END.exec(text);
    out += text.slice(copiedUpTo, begin.index) + placeholder('private-key');
    copiedUpTo = end ? end.index + end[0].length : text.length;
    PRIVATE_KEY_BEGIN.lastIndex = copiedUpTo;
  }
  return out + text.slice(copiedUpTo);
}

/** Without a key that says so, only values that look random count: "Bearer token expired" is prose. */
function looksLikeCredential(value: string): boolean {
  return value.length >= 16 || (value.length >= 8 && /\d/.test(value) && /[A-Za-z]/.test(value));
}

function redactAssignedValue(match: string, quote: string, key: string, separator: string, value: string): string {
  // "invalid token: 401" is prose far more often than a leaked credential; a quoted "token": is JSON.
  if (separator.includes(':') && quote === '' && key.toLowerCase() === 'token') return match;
  const valueQuote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  const closed = valueQuote !== '' && value.length > 1 && value.endsWith(valueQuote);
  const inner = valueQuote ? value.slice(1, closed ? -1 : undefined) : value;
  if (inner === '' || isPlaceholder(inner)) return match;
  return `${quote}${key}${quote}${separator}${valueQuote}${placeholder('secret')}${closed ? valueQuote : ''}`;
}

/**
 * Cards are 13-19 digits starting 2-6 like every card network (which keeps millisecond timestamps, starting
 * 1, out) and pass the Luhn check. They are looked for along group boundaries, longest first, so two cards
 * separated by a space are both found, and a run glued to a following word or decimal is left alone.
 */
function redactCardsInDigitRun(run: string, offset: number, text: string): string {
  const following = text.slice(offset + run.length, offset + run.length + 2);
  if (/^(?:\w|[.,]\d)/.test(following)) return run;
  const groups = [...run.matchAll(/\d+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, digits: m[0] }));
  let out = '';
  let copiedUpTo = 0;
  for (let first = 0; first < groups.length; first++) {
    const start = groups[first]!.start;
    if (!/[2-6]/.test(run[start]!)) continue;
    let digits = '';
    let lastOfCard = -1;
    for (let last = first; last < groups.length; last++) {
      digits += groups[last]!.digits;
      if (digits.length > 19) break;
      if (digits.length >= 13 && passesLuhn(digits)) lastOfCard = last;
    }
    if (lastOfCard === -1) continue;
    out += run.slice(copiedUpTo, start) + placeholder('card');
    copiedUpTo = groups[lastOfCard]!.end;
    first = lastOfCard;
  }
  return out + run.slice(copiedUpTo);
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

// ---------------------------------------------------------------------------------------------------------
// GitHub markdown
