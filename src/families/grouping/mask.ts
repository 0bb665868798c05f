// Parameterization: replaces the values in a failure's text that differ between occurrences of one failure
// (ids, numbers, times, addresses...) with named placeholders, keeping what names the failure (words,
// field names, error codes, HTTP statuses, endpoints, model names). Part of the grouping version: changing
// what any kind below matches means a new version, never an edit of a released one, so a change is
// written as a rule of the versions that have it (see `afterRequestLine`), and a legacy version's text is
// still masked as it was.
//
// Kinds are applied in table order, each to the output of the previous one, so the more specific shapes
// claim their text first: a UUID is never read as hex plus numbers, a timestamp never as numbers, a URL
// never as a path. A "token" is a run of letters, digits, `_` and `-`; patterns match whole tokens, so
// digits inside a name (`search_v2`, `x86_64`) are left alone.
//
// What is deliberately not masked, because it tells failures apart: words, including quoted identifiers
// (`KeyError: 'shipping_address'` is not `KeyError: 'billing_address'`); error codes (`ORA-00942`,
// `E11000`); HTTP statuses written as statuses (`HTTP 429`, `status_code=503`, `404 Not Found`); the host
// and path of a URL apart from the ids in it; model names. Whether such a word is a variable after all
// (a user name, a product) is decided by the template miner from the values it sees, not by rule here.
import { GROUPING_VERSION } from './version.js';

export interface MaskKind {
  name: string;
  pattern: RegExp;
  /** The replacement for a match (String.replace's callback); by default the placeholder `<name>`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- String.prototype.replace's own callback type
  replace?: (match: string, ...args: any[]) => string;
}

const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\\.?';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\\.?';
const CLOCK = '[0-2]?\\d:[0-5]\\d(?::[0-5]\\d(?:[.,]\\d{1,9})?)?(?:\\s?[AaPp][Mm])?';
const ZONE = '(?:\\s?(?:Z|UTC|GMT|[+-][0-2]\\d:?[0-5]\\d|[A-Z]{3,4}T))?';

/** A number from 100 to 599 is read as a status (and kept) when written beside one of these words. */
const HTTP_CONTEXT_BEFORE = /(?:\bhttp(?:\/\d(?:\.\d)?)?|\bstatus(?:[ _.]?code)?|\bresponse(?:[ _.]?code)?|\bcode)["']?[\s:=]*["']?$/i;
const HTTP_CONTEXT_AFTER =
  /^["']?\s*(?:\(|:|-)?\s*(?:from\b|error\b|response\b|(?:Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Method Not Allowed|Request Timeout|Conflict|Gone|Payload Too Large|Unprocessable|Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Time-?out)\b)/i;

/** The placeholder every masked value of no more specific kind becomes in the miner: `<*>`. */
export const WILDCARD = '<*>';

/** Matches a whole placeholder token such as `<num>` or `<*>`. */
export const PLACEHOLDER = /^<[a-z*]+>$/;

/**
 * From g-2026-12-05, also a number after a request line, as gateways and span names write a response
 * (`POST /v1/refunds 403`, `GET https://api.github.com/repos/a/b -> 404`): g-2026-12-04 masked it, so
 * responses of one endpoint with different statuses shared a fingerprint.
 */
const REQUEST_LINE_BEFORE = /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S{1,300}\s+(?:(?:->|=>|→)\s*)?$/;
const afterRequestLine = (version: string) => version >= 'g-2026-12-05';

/**
 * From g-2026-12-05.2, also a number right after an HTTP exception class, as client libraries write a
 * response (`<HttpError 404 when requesting …>`, `HTTPError: 403 Client Error`), and numeric error codes
 * (`Twilio error 21211`, `TwilioRestException 21610:`, `errno 1213`, JSON-RPC's `-32602`): g-2026-12-05
 * masked both, so a calendar's 404 and its 403 rate limit, or two Twilio errors, shared a fingerprint.
 */
const HTTP_EXCEPTION_BEFORE = /\b[A-Za-z]*Http[A-Za-z]*(?:Error|Exception)["']?[\s:=]*$/i;
const readsCodes = (version: string) => version >= 'g-2026-12-05.2';

/**
 * A numeric error code as APIs and drivers write one: 4 to 6 digits right after `error`, `code`, `errno`
 * or an exception class, or JSON-RPC's reserved range (-32768 to -32000) anywhere. A number running on
 * into a date or decimal is not a code. The similarity features read codes with the same pattern.
 */
const CODE_BEFORE = String.raw`(?:\b(?:error|code|errno)|[a-z](?:Error|Exception))(?:\s+code)?[\s:#=("']{0,8}`;
const CODE_DIGITS = String.raw`-?\d{4,6}(?![\d./-])`;
const JSON_RPC_CODE = String.raw`(?<![\w.-])-32[0-7]\d\d(?![\d.])`;
export const NUMERIC_CODE = new RegExp(`${CODE_BEFORE}(${CODE_DIGITS})|(${JSON_RPC_CODE})`, 'gi');
// No lookbehind for what precedes a code: a variable-length lookbehind is tried back from every position,
// which made 50,000 spaces take 3.8 s to mask; the prefix is matched and put back instead.
const CODE_IN_PLACE = new RegExp(`(${CODE_BEFORE})(${CODE_DIGITS})|${JSON_RPC_CODE}`, 'gi');

/** What may precede a kept status, and how many characters before it that is read from. */
interface StatusContext {
  pattern: RegExp;
  chars: number;
  /** Read only before a 4xx or 5xx. */
  errorsOnly?: boolean;
}
const HTTP_WORD: StatusContext = { pattern: HTTP_CONTEXT_BEFORE, chars: 24 };
const REQUEST_LINE: StatusContext = { pattern: REQUEST_LINE_BEFORE, chars: 320 };
const HTTP_EXCEPTION: StatusContext = { pattern: HTTP_EXCEPTION_BEFORE, chars: 48 };

/**
 * From g-2026-12-05.3, also a 4xx or 5xx after a verb of answering (`returned 503`, `failed with 500`,
 * `got 404`), a span, or the name of what was called (`optimize_routes 502`, `InvokeModel 429`), as alerts,
 * summaries and spans write a response: g-2026-12-05.2 masked it, so "94% of errors from optimize_routes
 * 502" shared nothing with the 502s it counted. Only error statuses: "returned 200 rows" is a count.
 */
const ANSWER_BEFORE =
  /(?:\bspan|\b(?:returned|returns|returning|got|gets|getting|received|responded|responds|answered|answers)(?:\s+(?:with|an?|status|http))*|\b(?:failed|fails|failing|errored|errors|rejected|aborted)\s+with(?:\s+(?:an?|status|http))*|\b[a-z][a-z\d]*(?:_[a-z\d]+)+|\b[a-z]+[A-Z][A-Za-z\d]*|\b[A-Z][a-z\d]+[A-Z][A-Za-z\d]*)\s+$/;
const readsAnswers = (version: string) => version >= 'g-2026-12-05.3';
const ANSWER: StatusContext = { pattern: ANSWER_BEFORE, chars: 48, errorsOnly: true };

/**
 * From g-2026-12-06.4, also a 4xx or 5xx in parentheses after an exception class, as generated API clients
 * write a response (`ApiException: (409)`, HubSpot's and Kubernetes' Python clients): before, it was masked,
 * so a 400 and a 409 of one client shared everything but the words of their bodies.
 */
const EXCEPTION_PAREN_BEFORE = /\b[A-Z][A-Za-z\d]*(?:Error|Exception)\s*:?\s*\($/;
const readsExceptionStatus = (version: string) => version >= 'g-2026-12-06.4';
const EXCEPTION_PAREN: StatusContext = { pattern: EXCEPTION_PAREN_BEFORE, chars: 48, errorsOnly: true };

/**
 * From g-2026-12-07.3, also a 4xx or 5xx counted in the plural (`287 Routes API 429s`, `info.json 404s 9.6%`) or
 * as a rate (`429 ratio 27.5%`, `503 rate`), as alerts write one: before, the plural was masked as a duration and
 * the rate as a number, so an alert on a share of 429s shared no status with the 429s it counted. Not a number
 * of seconds after a word of time or an assignment (`retry after 429s`, `duration=500s`).
 */
const readsCountedStatuses = (version: string) => version >= 'g-2026-12-07.3';
const STATUS_RATE_AFTER = /^\s+(?:rate|ratio|share|spike|burst|storm)s?\b/i;
const SECONDS_BEFORE = /(?:\b(?:after|for|took|takes|taking|in|within|wait|waited|waiting|lasted|over|every|each|ttl|retry|timeout|of)|[=:])\s*$/i;
/** Words that make the number before them a count, not an HTTP status: "returned 404 rows" (a regex alternation). */
export const COUNT_NOUNS = 'rows|results|items|records|documents|docs|tokens|orders|requests|times|users|bytes|chunks|hits|calls|errors|failures|matches|lines|entries|messages|files|pages|ms|seconds|s';
const COUNTED = new RegExp(String.raw`^\s*(?:${COUNT_NOUNS})\b`, 'i');

/**
 * From g-2026-12-05.3, the value of an evaluation's case or task key (`case=figma-brief`, `task_id:
 * airline-42`): it names the example the evaluator ran, not the failure, so one failing check over many
 * cases is one template. g-2026-12-05.2 masked only values with digits.
 */
const EVAL_CASE = /\b((?:test[_-]?)?(?:case|task|example|sample|scenario)(?:[_-]?id)?\s*[=:]\s*)["']?[\w.-]+["']?/gi;

/** Digits as letters, which no later kind matches: `429` travels as `ecj` until maskText restores it. */
const guard = (digits: string) => `\uE002${digits.replace(/\d/g, (digit) => String.fromCharCode(97 + Number(digit)))}\uE003`;

export const MASK_KINDS: readonly MaskKind[] = maskKinds(GROUPING_VERSION);

function maskKinds(version: string): readonly MaskKind[] {
  const statusContext = [HTTP_WORD, ...(afterRequestLine(version) ? [REQUEST_LINE] : []), ...(readsCodes(version) ? [HTTP_EXCEPTION] : []), ...(readsAnswers(version) ? [ANSWER] : []), ...(readsExceptionStatus(version) ? [EXCEPTION_PAREN] : [])];
  return [
    // URLs keep scheme, host and path (the endpoint is what failed); ids in the path, credentials and query
    // values go. A host that is itself an address (an IP, a generated name with digits) is masked.
    { name: 'url', pattern: /\b([a-z][a-z0-9+.-]{1,15}):\/\/([^\s"'<>`]*[^\s"'<>`.,;:!?)\]}])/gi, replace: (_, scheme: string, rest: string) => maskUrl(scheme, rest) },
    { name: 'email', pattern: /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
    { name: 'uuid', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi },
    // Dates and times in the shapes logs and APIs write them: ISO 8601 / RFC 3339, ctime and syslog
    // (`Mon Jun 20 03:40:59 2005`, `Jun 20 03:40:59`), RFC 2822 (`Mon, 20 Jun 2005 03:40:59 GMT`),
    // `06/10/2013 17:26`, `20/Jun/2005:03:40:59 +0000`, dotted (`2005.09.20-18.06.01`, `2005.06.20`).
    {
      name: 'timestamp',
      pattern: new RegExp(
        [
          `\\b\\d{4}-[01]\\d-[0-3]\\d(?:[T ]${CLOCK})?${ZONE}(?!\\w)`,
          `\\b(?:${WEEKDAY},?\\s+)?${MONTH}\\s+[0-3]?\\d(?:,?\\s+\\d{4})?\\s+${CLOCK}(?:\\s+\\d{4})?${ZONE}(?!\\w)`,
          `\\b(?:${WEEKDAY},?\\s+)?[0-3]?\\d\\s+${MONTH}\\s+\\d{4}(?:\\s+${CLOCK}${ZONE})?(?!\\w)`,
          `\\b[0-3]?\\d\\/${MONTH}\\/\\d{4}(?::${CLOCK})?${ZONE}(?!\\w)`,
          `\\b\\d{1,4}\\/\\d{1,2}\\/\\d{2,4}(?:[ T,]+${CLOCK}${ZONE})?(?!\\w|\\/)`,
          `\\b\\d{4}\\.[01]\\d\\.[0-3]\\d(?:-[0-2]\\d\\.[0-5]\\d\\.[0-5]\\d(?:\\.\\d+)?)?(?![\\w.])`,
          `\\b${CLOCK}${ZONE}(?![\\w:])`,
        ].join('|'),
        'g',
      ),
    },
    // IPv4 with an optional port; IPv6 (not `std::vector`).
    { name: 'ip', pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.]|\.\d)/g },
    {
      name: 'ip',
      pattern:
        /(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)(?![\w:])/gi,
    },
    // Generated host names (a label with digits, under a real top-level domain), with an optional port.
    { name: 'host', pattern: /(?<![\w.@\/-])(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,12}(?::\d{1,5})?(?![\w.-])/g, replace: (m) => (isGeneratedHost(m) ? '<host>' : m) },
    { name: 'hex', pattern: /(?<![\w-])(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}|\d{16,})(?![\w-])/gi },
    // Kept: HTTP statuses in an HTTP context. Marked here so the number kinds below leave them.
    readsCountedStatuses(version)
      ? { name: 'status', pattern: /(?<![\w.])[1-5]\d\d(?:s(?!\w)|(?![\w.]))/g, replace: (status: string, offset: number, text: string) => keepCountedStatus(status, offset, text, statusContext) }
      : { name: 'status', pattern: /(?<![\w.])[1-5]\d\d(?![\w.])/g, replace: (status: string, offset: number, text: string) => keepHttpStatus(status, offset, text, statusContext) },
    // Kept: numeric error codes (from g-2026-12-05.2).
    ...(readsCodes(version) ? [{ name: 'code', pattern: CODE_IN_PLACE, replace: (code: string, before?: string, digits?: string) => (before === undefined ? code.replace(/\d+/, guard) : before + digits!.replace(/\d+/, guard)) }] : []),
    // The example an evaluation ran (from g-2026-12-05.3).
    ...(readsAnswers(version) ? [{ name: 'id', pattern: EVAL_CASE, replace: (_: string, key: string) => `${key}<id>` }] : []),
    // Quoted free text (it has a space) is a value; a quoted identifier is kept, ids inside it masked later,
    // and so is a quoted status phrase (`'403 Forbidden'`): it names the failure.
    { name: 'quoted', pattern: /(?<!\w)(?:'[^'\n]*\s[^'\n]*'|"(?:[^"\\\n]|\\.)*\s(?:[^"\\\n]|\\.)*"|`[^`\n]*\s[^`\n]*`)(?!\w)/g, replace: (m) => (m.length <= 200 && !m.includes('\uE002') ? '<quoted>' : m) },
    {
      name: 'duration',
      pattern:
        /(?<![\w.])(?:\d+(?:\.\d+)?\s?(?:nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|secs?|mins?|hrs?|ns|us|µs|ms|s)|(?:\d+(?:\.\d+)?(?:ms|us|µs|ns|[hmsdw]))+)(?![\w])/g,
    },
    { name: 'size', pattern: /(?<![\w.])\d+(?:\.\d+)?\s?(?:[KMGTPE]i?B|[kKmMgGtT][bB]|bytes?|B)(?![\w])/g },
    { name: 'pct', pattern: /(?<![\w.])[+-]?\d+(?:\.\d+)?\s?%/g },
    { name: 'ratio', pattern: /(?<![\w.])(?:[x×]\d+(?:\.\d+)?|\d+(?:\.\d+)?[x×])(?![\w])/g },
    { name: 'id', pattern: /(?<![\w&#])#\d+(?!\w)/g },
    // Prefixed ids: `ord_8812`, `req-7f3a9`, `blk_-1608999687919862906`, `task_1445144423722_0020_m_000001`.
    {
      name: 'id',
      pattern: /(?<![\w-])[A-Za-z]+(?:[_-][A-Za-z]+)*[_-]-?(?:\d+|(?=[A-Za-z]*\d)[A-Za-z0-9]{4,})(?:[_-][A-Za-z0-9]+)*(?![\w-])/g,
      replace: (m) => (isErrorCode(m) ? m : '<id>'),
    },
    // Scrambled letters and digits switching at least twice (`7f3a9`, `N3kd9x`), and generated compound ids.
    {
      name: 'id',
      pattern:
        /(?<![\w-])(?=[A-Za-z0-9]{5,}(?![\w-]))[A-Za-z0-9]*?(?:[A-Za-z]\d|\d[A-Za-z])[A-Za-z0-9]*?(?:[A-Za-z]\d|\d[A-Za-z])[A-Za-z0-9]*(?![\w-])/g,
      replace: (m) => (isErrorCode(m) ? m : '<id>'),
    },
    { name: 'id', pattern: /(?<![\w-])[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)+(?:\.\d+)?(?![\w-])/g, replace: (m) => (isGeneratedCompoundId(m) ? '<id>' : m) },
    { name: 'id', pattern: /(?<![\w-])[a-z]+_[A-Za-z]{10,}(?![\w-])/g, replace: (m) => (isRandomCaseId(m) ? '<id>' : m) },
    // Not the digits of a code or name joined to letters by a hyphen (`ORA-00942`, `gpt-4`).
    { name: 'num', pattern: /(?<![\w.]|[A-Za-z]-)[+-]?\d+(?:,\d{3})*(?:\.\d+)?(?![\w]|\.\d)/g },
  ];
}

const kindsByVersion = new Map<string, readonly MaskKind[]>([[GROUPING_VERSION, MASK_KINDS]]);

/** Error codes are names, not ids: `ORA-00942`, `E11000`, `SQLSTATE-42501`, `ERR_4031`, `HTTP-429`. */
function isErrorCode(token: string): boolean {
  return /^(?:[A-Z]{1,8}[_-]?\d{2,6}|[A-Z]+_[A-Z]+_\d{2,6})$/.test(token) && !/^[A-Z]{1,3}\d{7,}$/.test(token);
}

function isGeneratedHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  const labels = name.split('.');
  const tld = labels[labels.length - 1]!;
  if (!TOP_LEVEL_DOMAINS.has(tld.toLowerCase())) return false;
  return labels.slice(0, -1).some((label) => /\d/.test(label) && !/^v\d+$/i.test(label));
}

const TOP_LEVEL_DOMAINS = new Set(
  'com net org io ai dev app cloud co biz info edu gov mil int internal local localhost lan corp home arpa eu uk de fr nl se no dk fi es it pt pl cz ru ua cn jp kr tw hk sg in au nz ca us br mx ar cl za il tr gr ch at be ie hu ro bg sk si hr rs lt lv ee is lu om sa ae pk id my th vn ph'.split(' '),
);

function keepHttpStatus(status: string, offset: number, text: string, contextBefore: readonly StatusContext[]): string {
  const after = text.slice(offset + status.length, offset + status.length + 32);
  const read =
    contextBefore.some(({ pattern, chars, errorsOnly }) => (!errorsOnly || (/^[45]/.test(status) && !COUNTED.test(after))) && pattern.test(text.slice(Math.max(0, offset - chars), offset))) ||
    HTTP_CONTEXT_AFTER.test(after);
  return read ? guard(status) : status;
}

/** keepHttpStatus, and a 4xx or 5xx counted in the plural or as a rate (from g-2026-12-07.3). */
function keepCountedStatus(match: string, offset: number, text: string, contextBefore: readonly StatusContext[]): string {
  const status = match.slice(0, 3);
  const plural = match.length > 3;
  const error = /^[45]/.test(status);
  if (plural) return error && !SECONDS_BEFORE.test(text.slice(Math.max(0, offset - 24), offset)) ? guard(status) : match;
  return error && STATUS_RATE_AFTER.test(text.slice(offset + 3, offset + 3 + 32)) ? guard(status) : keepHttpStatus(status, offset, text, contextBefore);
}

function maskUrl(scheme: string, rest: string): string {
  const match = /^(?:[^@/?#]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?/.exec(rest)!;
  const [, hostPort = '', path = '', query] = match;
  const host = /^(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?$|^\[/.test(hostPort) ? '<ip>' : isGeneratedHost(hostPort) ? '<host>' : hostPort.toLowerCase();
  const segments = path.split('/').map((segment) => (isIdSegment(segment) ? '<id>' : segment));
  const params = query ? `?${query.slice(1).split('&').map((pair) => `${pair.split('=')[0]}=<*>`).join('&')}` : '';
  return `${scheme.toLowerCase()}://${host}${segments.join('/')}${params}`;
}

/** A path segment that names one thing rather than a kind of thing: it has digits and is not a version. */
function isIdSegment(segment: string): boolean {
  if (!/\d/.test(segment)) return false;
  return !/^v\d+(?:\.\d+)*(?:beta\d*|alpha\d*)?$/i.test(segment) && !/^\d+(?:\.\d+)+$/.test(segment);
}

/** Joined segments with letters and digits switching at least twice and three or more digits in all. */
function isGeneratedCompoundId(token: string): boolean {
  if (token.length < 8 || token.includes('<')) return false;
  const switches = token.match(/[A-Za-z](?=\d)|\d(?=[A-Za-z])/g)?.length ?? 0;
  const digits = token.match(/\d/g)?.length ?? 0;
  return switches >= 2 && digits >= 3;
}

/** Random-looking suffixes without digits (`req_cQcnTfkVDRlnPl`): ten or more letters whose case flips often. */
function isRandomCaseId(token: string): boolean {
  const suffix = token.slice(token.search(/[_-]/) + 1);
  return suffix.length >= 10 && (suffix.match(/[a-z](?=[A-Z])|[A-Z](?=[a-z])/g)?.length ?? 0) >= 4;
}

/**
 * Model names are kept verbatim: "gpt-4o timed out" and "claude-3-5-sonnet timed out" are different
 * failures, while by shape `gpt-4o` is indistinguishable from an id like `req-4o`.
 */
const MODEL_NAME =
  /(?<![\w-])(?:chatgpt|gpt|o(?=\d)|claude|gemini|gemma|codellama|llama|mistral|mixtral|codestral|ministral|pixtral|deepseek|qwen|phi|grok|command-r|text-embedding|text-davinci|titan|nova)(?:\d+(?:\.\d+)?[a-z]*)?(?:[-.:][a-z0-9]+)*(?![\w-])/gi;

const WHOLE_MODEL_NAME = new RegExp(`^(?:${MODEL_NAME.source})$`, 'i');

/** Whether a token is a model name as the masking keeps one (`gpt-4o`, `claude-3-5-sonnet-20241022`). */
export function isModelName(token: string): boolean {
  return WHOLE_MODEL_NAME.test(token);
}

// Private-use characters bracket what is protected from the kinds: model names (by index) and statuses.
const GUARDS = /[\uE000-\uE003]/g;
const PROTECTED_NAME = /\uE000([a-z]+)\uE001/g;
const PROTECTED_STATUS = /\uE002([a-j]+)\uE003/g;

/** The text with every variable value replaced by its placeholder, whitespace collapsed, as `version` masks it. */
export function maskText(text: string, version: string = GROUPING_VERSION): string {
  let kinds = kindsByVersion.get(version);
  if (!kinds) kindsByVersion.set(version, (kinds = maskKinds(version)));
  const names: string[] = [];
  let masked = text.replace(GUARDS, '\uFFFD').replace(MODEL_NAME, (name) => {
    names.push(name);
    return `\uE000${lettersIndex(names.length - 1)}\uE001`;
  });
  for (const kind of kinds) {
    masked = masked.replace(kind.pattern, kind.replace ?? (() => `<${kind.name}>`));
  }
  return masked
    .replace(/>(?:\.\d+)+(?![\w.])/g, '>')
    .replace(PROTECTED_STATUS, (_, letters: string) => letters.replace(/./g, (letter) => String(letter.charCodeAt(0) - 97)))
    .replace(PROTECTED_NAME, (_, index: string) => names[letterIndexValue(index)] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

function lettersIndex(n: number): string {
  return n.toString(26).replace(/./g, (digit) => String.fromCharCode(97 + parseInt(digit, 26)));
}

function letterIndexValue(letters: string): number {
  return parseInt(letters.replace(/./g, (letter) => (letter.charCodeAt(0) - 97).toString(26)), 26);
}
