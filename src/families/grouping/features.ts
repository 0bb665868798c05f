// What a signal says about its failure, as a set of features for the similarity step: the words of its
// title and message (identifiers split, case folded, stemmed, function words dropped, so paraphrases and
// word order do not matter) and the structured evidence of what failed, however the source wrote it:
// HTTP status, service host and endpoint, exception class, tool, error type, the categorical
// attributes (`metric=faithfulness`, `error.type=timeout`) and the values it states (`30-day`, `$500`).
// Part of the grouping version (version.ts).
import { stemmer } from 'stemmer';
import type { Signal } from '../types.js';
import { maskText, NUMERIC_CODE } from './mask.js';

/** Feature prefixes, so a word never collides with a status or an attribute value. */
export const FEATURE = {
  word: 'w:',
  identifier: 'id:',
  status: 'status:',
  host: 'host:',
  path: 'path:',
  exception: 'exc:',
  failure: 'class:',
  code: 'code:',
  /** Numeric error codes (`21211`, `-32602`): another vocabulary than named codes, compared apart. */
  errno: 'errno:',
  /** An error type that is a code (`called_wrong_tool`): a fault taxonomy's, compared with its own kind. */
  errorType: 'etype:',
  /**
   * The name an error says is missing (`KeyError: 'claim_id'`, column "region" does not exist), and from
   * g-2026-12-06.5 the field a validation error is about (`1 validation error for PanelSpec voltage`).
   */
  missing: 'missing:',
  tool: 'tool:',
  /**
   * From g-2026-12-07.3, a tool named with dots (`docusign.create_envelope`, `twilio.messages.create`): the call
   * to a provider's API that an agent's tool (`send_for_signature`) makes, as a gateway or an SDK names it. It
   * begins like a tool, so it counts wherever a tool does, but it is compared as a layer of its own
   * (toolsVetoed in similarity.ts).
   */
  operation: 'tool:@',
  attribute: 'attr:',
  /** From g-2026-12-07.4, a value stated with its unit or currency (`val:30day`, `val:$500`): statedValues. */
  value: 'val:',
} as const;

/** Longest text read for features; the rest of a long stack trace adds little. */
const MAX_TEXT = 2_000;
const MAX_FEATURES = 96;

export function signalFeatures(signal: Pick<Signal, 'title' | 'message' | 'tool' | 'errorType' | 'attributes'> & { kind?: Signal['kind'] }): string[] {
  const features = new Set<string>();
  const text = `${signal.title}\n${signal.message ?? ''}`.slice(0, MAX_TEXT);
  for (const status of httpStatuses(text, signal)) features.add(FEATURE.status + status);
  for (const url of text.matchAll(URL_PATTERN)) addUrl(features, url[0]);
  for (const match of text.matchAll(EXCEPTION)) features.add(FEATURE.exception + match[0].toLowerCase());
  for (const failure of failureClasses(text, signal, features)) features.add(FEATURE.failure + failure);
  // The source said it timed out, whatever the text says.
  if (signal.kind === 'timeout') features.add(`${FEATURE.failure}timeout`);
  for (const match of text.matchAll(ERROR_CODE_IN_TEXT)) if (isCodeInBody(match[1]!)) features.add(codeFeature(match[1]!));
  for (const match of text.matchAll(ERROR_CODE_ASSIGNED)) if (!GENERIC_CONSTANTS.has(match[1]!)) features.add(codeFeature(match[1]!));
  for (const match of text.matchAll(EXCEPTION_CODE)) {
    const code = (match[1] ?? match[2] ?? match[3])!;
    if (!GENERIC_CONSTANTS.has(code)) features.add(codeFeature(code));
  }
  for (const match of text.matchAll(NUMBER_ASSIGNED_TO_CODE)) features.add(FEATURE.errno + match[1]!);
  for (const match of text.matchAll(VENDOR_NUMBER_CODE)) if (!NOT_ERROR_CODES.has(match[1]!.toLowerCase())) features.add(FEATURE.errno + match[2]!);
  for (const match of text.matchAll(SQLSTATE_IN_TEXT)) features.add(FEATURE.errno + match[1]!.toUpperCase());
  // A span that ended OK did not fail: what it reports (an online evaluation, a cost) is another failure
  // than an erroring span's, and its class says so (from g-2026-12-05.7).
  if (/^ok$/i.test(String(signal.attributes?.['otel.status_code'] ?? ''))) features.add(`${FEATURE.failure}none`);
  // Numeric codes, read with the pattern the masking keeps them by.
  for (const match of text.matchAll(NUMERIC_CODE)) features.add(FEATURE.errno + (match[1] ?? match[2])!);
  for (const match of `${text}\n${spanException(signal.attributes ?? {})}`.matchAll(MISSING_NAME)) features.add(FEATURE.missing + match.slice(1).find((name) => name !== undefined)!.toLowerCase());
  for (const match of text.matchAll(INVALID_FIELD)) features.add(FEATURE.missing + (match[1] ?? match[2] ?? match[3])!.toLowerCase());
  for (const field of requiredFields(text)) features.add(FEATURE.missing + lastField(field));
  for (const match of text.matchAll(FIELD_IN_BODY)) features.add(FEATURE.missing + lastField(match[1]!));
  for (const match of text.matchAll(EXCEPTION_NUMBER)) features.add(FEATURE.errno + match[1]!);
  const errorType = signal.errorType?.trim() ?? '';
  if (NUMERIC_ERROR_TYPE.test(errorType) || SQLSTATE.test(errorType)) features.add(FEATURE.errno + errorType.toUpperCase());
  else if (isConstantCode(errorType) || LETTERED_ERROR_TYPE.test(errorType)) features.add(codeFeature(errorType));
  else if (CODE_ERROR_TYPE.test(errorType)) features.add(FEATURE.errorType + errorType);
  // The tool counts by the words of its name (`hubspot_search_contacts` says hubspot, search, contact); its
  // `tool:` feature is not scored, only compared: a signal naming another tool is another failure.
  // From g-2026-12-05.6 a span's tool attribute names the tool as the field does (`gen_ai.tool.name`).
  const tool = signal.tool ?? toolAttribute(signal.attributes ?? {});
  if (tool) {
    addTool(features, tool);
    for (const word of textWords(tool)) if (word.startsWith(FEATURE.word)) features.add(word);
  }
  // From g-2026-12-06.2, the tool a gateway's line names (`tool=charge_deposit`) is the signal's tool too:
  // the field may hold the SDK's name for it (`payments.create_intent`), and the family the line's.
  for (const match of text.matchAll(TOOL_ASSIGNED)) addTool(features, match[1]!);
  const words = signal.kind === 'negative_feedback' ? feedbackText(signal) : text;
  const dumped: Array<[string, string | number]> = [];
  const prose = words.replace(TEXT_ATTRIBUTE, (_, key: string, value: string) => (dumped.push([key, attributeValue(value)]), ' '));
  for (const code of attributeCodes([...Object.entries(signal.attributes ?? {}), ...dumped])) features.add(code);
  if (signal.errorType) addWords(features, signal.errorType);
  for (const [key, value] of Object.entries(signal.attributes ?? {})) addAttribute(features, key, value);
  for (const [key, value] of dumped) addAttribute(features, key, value);
  const check = signal.kind === 'eval_failure' ? EVAL_CHECK_IN_TITLE.exec(signal.title)?.[1] : undefined;
  if (check) features.add(`${FEATURE.attribute}eval.check=${check.toLowerCase()}`);
  for (const value of statedValues(prose)) features.add(value);
  addWords(features, maskText(prose.replace(ERROR_MESSAGE_VALUE, (_, double?: string, single?: string) => ` ${double ?? single} `).replace(AGENT_NAME, ' ')));
  return [...features].slice(0, MAX_FEATURES);
}

/**
 * A tool's names: as written, its last part under a namespace, and its words in any order.
 * - From g-2026-12-06, a name under a namespace (`notify.send_sms`) is also the tool's own name, as the
 *   sources that write it bare do. Not a last part of one word: `hubspot.crm.deals.get` is not every `get`.
 * - From g-2026-12-06.2, `registrations.create` and `create_registration` are one tool: the same words,
 *   stemmed, in another order. Before, the two vetoed each other.
 * - From g-2026-12-07.3, every name of a tool written with dots is an operation's (FEATURE.operation).
 */
function addTool(features: Set<string>, tool: string): void {
  const prefix = tool.includes('.') ? FEATURE.operation : FEATURE.tool;
  features.add(prefix + normalizeName(tool));
  const bare = /\.([^.\s]+)$/.exec(tool.trim())?.[1];
  if (bare && splitIdentifier(bare).length > 1) features.add(prefix + normalizeName(bare));
  const words = [...new Set(splitIdentifier(tool).map((part) => normalizeWord(part) ?? part.toLowerCase()))].sort();
  if (words.length > 1) features.add(prefix + words.join('+'));
}

/**
 * The check an evaluation names in its title (`eval: price_conversion_correct failed`), from g-2026-12-06.5:
 * compared as an evaluator attribute is, so two checks of one workflow that share their words (a price, a
 * buyer) are two failures. An identifier of two words or more after `eval`, before a word of failing (not the
 * case's name some runners put first: `book_fitting_nov FAILED (timezone_correctness=0.00)`).
 */
const EVAL_CHECK_IN_TITLE = /\beval(?:uation|uator)?\s*[:-]?\s*([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\s+(?:failed|failing|fails|regress\w*|dropped|below)\b/i;

/**
 * The name of the agent itself (`crane-dispatch-agent`, `rink_booking_bot`), as alerts and monitors name the
 * service they watch, from g-2026-12-06.5: every failure of a workflow happens in its agent, so the name says
 * nothing of which failure. Before, it was a word and an identifier two alerts of two failures shared, and the
 * identifier let a rate limit of one provider join another's (two of the twelfth holdout's wrong merges).
 */
const AGENT_NAME = /(?<![\w.\/-])[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*[-_](?:agent|bot|assistant|copilot)(?![\w.\/-])/gi;

const TOOL_ASSIGNED = /(?<![\w.])tool=["']?([A-Za-z_][\w.-]{0,80}[A-Za-z0-9_])/g;

/**
 * The message of an error body (`"message": "Invalid params: probe_id '168971' does not match …"`,
 * `'detail': '…'`), from g-2026-12-06: its words are read like the text's. The masking takes quoted free
 * text for a value, so before, an error body said nothing but its keys.
 */
const ERROR_MESSAGE_VALUE = /["'](?:message|detail|error_description|reason)["']\s*:\s*(?:"((?:[^"\\\n]|\\.){1,300})"|'([^'\n]{1,300})')/g;

/**
 * An attribute written into the text as `key=value` with a dotted key, as a span's attributes are dumped
 * into its message (`service.name=lanes-bot otel.status_code=ERROR http.response.status_code=410`), from
 * g-2026-12-05.7: read as the attribute it is, so the reporting service and the names of the keys are no
 * words. Before, every span dumped so shared them, and two failures of one service joined.
 */
const TEXT_ATTRIBUTE = /(?<![\w.])([A-Za-z_][\w-]*(?:\.[\w-]+)+)=("[^"\n]{0,200}"|[^\s,;]+)/g;

function attributeValue(text: string): string | number {
  const value = text.startsWith('"') ? text.slice(1, -1) : text;
  return /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : value;
}

/**
 * A user's feedback as its words are read: the title without the words of how feedback is given
 * (`Thumbs down`, `CSAT 1/5`, `Negative rating on conversation`, from g-2026-12-05.5), then the comment.
 * Every comment of a channel carries those words, and two unrelated comments shared them and little else.
 */
function feedbackText(signal: Pick<Signal, 'title' | 'message'>): string {
  const title = signal.title.replace(/[\p{L}_]+/gu, (word) => (FEEDBACK_LABEL.has(word.toLowerCase()) ? ' ' : word));
  return `${title}\n${signal.message ?? ''}`.slice(0, MAX_TEXT);
}

/** The words of a feedback channel's labels: ratings, surveys and who gave them. */
const FEEDBACK_LABEL = new Set(
  (
    'thumbs thumb thumbs_down thumbs_up down up negative positive rating rated ratings star stars csat nps survey score review ' +
    'feedback user users customer complaint comment comments report reported bad poor very dissatisfied unsatisfied answer response reply conversation chat ' +
    // From g-2026-12-06.2, who on the staff reported it: `Escalation from front desk`, `Ops note`, `Staff flag`.
    'staff ops operations escalation escalated front desk note notes internal flag flagged supervisor'
  ).split(' '),
);

/** Each spelling of a unit a value may be stated in, and the unit it is read as. */
const UNITS: Readonly<Record<string, string>> = {
  ...wordsFor('ms', 'ms'),
  ...wordsFor('s', 'sec secs second seconds'),
  ...wordsFor('min', 'min mins minute minutes'),
  ...wordsFor('h', 'hr hrs hour hours'),
  ...wordsFor('day', 'day days'),
  ...wordsFor('week', 'week weeks'),
  ...wordsFor('month', 'month months'),
  ...wordsFor('year', 'year years'),
  ...wordsFor('%', '% percent'),
  ...wordsFor('lb', 'lb lbs'),
  ...wordsFor('mi', 'mile miles'),
  ...wordsFor('ft', 'ft feet'),
  ...wordsFor('kg', 'kg'),
  ...wordsFor('km', 'km'),
  ...wordsFor('gb', 'gb'),
  ...wordsFor('mb', 'mb'),
};

/**
 * A value a report states, with its unit or currency: `$500`, `$1,250`, `25%`, `30 days`, `30-day`, `6 weeks`,
 * `120ms`, `41 kg`. From g-2026-12-07.4. An agent that quotes a wrong deadline, fee or rate says the same wrong
 * value in every report of that failure, in whatever words each source wraps it. So a value two reports share
 * is evidence they are one failure. A value the other does not state is no evidence they differ: it is not
 * counted in the signal's own weight (similarity.ts). Bare numbers are counts and ids, not read here.
 */
// Longest first, so `minutes` is tried before `min`.
const UNIT_SPELLINGS = Object.keys(UNITS).sort((a, b) => b.length - a.length).join('|');
const STATED_VALUE = new RegExp(`(?<![\\w.,$£€])([$£€])?(\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?)[\\s-]?(${UNIT_SPELLINGS})?(?![\\w%])`, 'gi');

export function statedValues(text: string): string[] {
  const values = new Set<string>();
  for (const [, currency, amount, unit] of text.matchAll(STATED_VALUE)) {
    const number = amount!.replaceAll(',', '');
    if (currency) values.add(`${FEATURE.value}${currency}${number}`);
    else if (unit) values.add(`${FEATURE.value}${number}${UNITS[unit.toLowerCase()]!}`);
  }
  return [...values];
}

/**
 * The features of a report read back from what grouping stored: the masked text its occurrence recorded,
 * under its family's title (an occurrence keeps no title of its own). What a split learns its new family from,
 * and how a family of few reports is compared (resolve.ts).
 */
export function storedReportFeatures(familyTitle: string, template: string): string[] {
  return signalFeatures({ title: familyTitle, message: template });
}

/** Words of a text: identifiers kept whole and split into their parts, stemmed, function words dropped. */
export function textWords(text: string): string[] {
  const words = new Set<string>();
  for (const raw of text.replace(PLACEHOLDERS, ' ').split(/[^\p{L}\p{N}_.-]+/u)) {
    const token = raw.replace(/^[._-]+|[._-]+$/g, '');
    if (token === '' || /^\d+$/.test(token)) continue;
    const parts = splitIdentifier(token);
    if (parts.length > 1 && token.length <= 40) words.add(FEATURE.identifier + normalizeName(token));
    for (const part of parts) {
      const word = normalizeWord(part);
      if (word) words.add(FEATURE.word + word);
    }
  }
  return [...words];
}

function addWords(features: Set<string>, text: string): void {
  for (const word of textWords(text)) features.add(word);
}

/** `zendesk.update_ticket`, `ZendeskUpdateTicket` and `zendesk_update_ticket` are one name. */
export function normalizeName(name: string): string {
  return splitIdentifier(name).map((part) => part.toLowerCase()).join('_');
}

/** snake_case, kebab-case, dotted and camelCase parts: `RateLimitError` -> Rate, Limit, Error. */
export function splitIdentifier(token: string): string[] {
  return token
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter((part) => part !== '');
}

function normalizeWord(part: string): string | null {
  const lower = part.toLowerCase();
  if (lower.length < 2 || /\d/.test(lower) || STOPWORDS.has(lower) || FOREIGN_STOPWORDS.has(lower)) return null;
  const word = SYNONYMS[lower] ?? lower;
  return stemmer(word);
}

const PLACEHOLDERS = /<[a-z*]+>/g;

const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>`)\]}]+/gi;

function addUrl(features: Set<string>, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/[.,;:]+$/, ''));
  } catch {
    return;
  }
  const host = parsed.hostname.toLowerCase();
  features.add(FEATURE.host + host);
  // The service is the name under the top-level domain: api.stripe.com and acme.zendesk.com name stripe, zendesk.
  const labels = host.split('.');
  if (labels.length >= 2 && !/^\d+$/.test(labels[labels.length - 1]!)) addWords(features, labels[labels.length - 2]!);
  const path = maskText(parsed.pathname).replace(/\.json$/, '');
  if (path.length > 1) features.add(FEATURE.path + path);
}

/** Exception and error class names: `RateLimitError`, `KeyError`, `APIConnectionError`, `ReadTimeout`. */
const EXCEPTION = /\b[A-Z][A-Za-z]*(?:Error|Exception|Timeout|Exceeded|Denied|Refused)\b/g;

/** HTTP statuses the text states as statuses, or the attributes and error type carry. */
function httpStatuses(text: string, signal: Pick<Signal, 'errorType' | 'attributes'>): Set<string> {
  const statuses = new Set<string>();
  const masked = maskText(text);
  // maskText keeps a number from 100 to 599 only where it reads as a status; every other number is masked.
  // From g-2026-12-07 not one joined to letters by a hyphen: `RB-118`, `F-250` and `SHA-256` name a batch, a
  // truck and a hash, and the masking keeps them as it keeps error codes (`ORA-00942`).
  for (const match of masked.matchAll(/(?<![\w.<]|[A-Za-z]-)[1-5]\d\d(?![\w.>])/g)) statuses.add(match[0]);
  const fromType = /^(?:HTTP[_ -]?)?([1-5]\d\d)$/i.exec(signal.errorType ?? '');
  if (fromType) statuses.add(fromType[1]!);
  for (const [key, value] of Object.entries(signal.attributes ?? {})) {
    if (/(?:^|\.)status(?:_code)?$/i.test(key) && /^[1-5]\d\d$/.test(String(value))) statuses.add(String(value));
  }
  return statuses;
}

/**
 * Kinds of failure, however a source words them: the classes HTTP statuses, exception names and error
 * phrases share. General knowledge of HTTP, of SQLSTATE (57014 query canceled, 42501 insufficient privilege)
 * and of common client libraries, not of any one vendor.
 */
const FAILURE_CLASSES: ReadonlyArray<{ name: string; statuses?: RegExp; pattern: RegExp }> = [
  { name: 'rate_limited', statuses: /^429$/, pattern: /\b429s\b|rate[\s_-]?limit|too[\s_-]?many[\s_-]?requests|throttl|quota|ratelimit/i },
  { name: 'timeout', statuses: /^(?:408|504)$/, pattern: /tim(?:e|es|ed|ing)[\s_-]?out\b|timeout|deadline[\s_-]?exceeded|ETIMEDOUT|query[\s_-]?canceled|\b57014\b/i },
  { name: 'unauthenticated', statuses: /^401$/, pattern: /unauthori[sz]ed|unauthenticated|authenticat\w*[\s_-]?(?:error|fail)|(?:invalid|expired|revoked)[\s_-]?(?:token|credential|api[\s_-]?key)|token[\s_-]?(?:expired|revoked)|(?:expired|invalid)[\s_-]?session|session[\s_-]?(?:expired|invalid)|(?:key|token|secret|credential)s?(?:\s+(?:was|were|has\s+been|have\s+been|got))?\s+rotated|(?:key|token|secret|credential)[\s_-]?rotation/i },
  { name: 'forbidden', statuses: /^403$/, pattern: /forbidden|PermissionError|\b42501\b|permission[\s_-]?denied|access[\s_-]?denied|insufficient[\s_-]?(?:privilege|permission|scope)|missing[\s_-]?scope|not[\s_-]?authori[sz]ed/i },
  { name: 'not_found', statuses: /^(?:404|410)$/, pattern: /not[\s_-]?found|does[\s_-]?not[\s_-]?exist|no[\s_-]?such|NoSuch|unknown[\s_-]?(?:method|resource)/i },
  // From g-2026-12-06 a malformed request is an invalid one, as an SDK names its 400s (`SalesforceMalformedRequest`), not a syntax error.
  { name: 'invalid_request', statuses: /^(?:400|409|413|415|422)$/, pattern: /validation|invalid[\s_-]?(?:param|argument|request|input|json|schema)|bad[\s_-]?request|malformed[\s_-]?request|unprocessable|schema/i },
  { name: 'server_error', statuses: /^5(?:0[0-3]|[1-9]\d)$/, pattern: /internal[\s_-]?server[\s_-]?error|service[\s_-]?unavailable|bad[\s_-]?gateway|overloaded/i },
  { name: 'syntax', pattern: /syntax[\s_-]?error|SyntaxError|parse[\s_-]?error|malformed[\s_-]?(?:query|json)|unexpected[\s_-]?token/i },
  // From g-2026-12-06 also an MCP client's stream to a server that went away (anyio's ClosedResourceError).
  { name: 'connection', pattern: /connection[\s_-]?(?:refused|reset|error|closed)|ECONNREFUSED|ECONNRESET|ENOTFOUND|name[\s_-]?resolution|getaddrinfo|(?:Closed|Broken)ResourceError/i },
  { name: 'context_length', pattern: /context[\s_-]?(?:length|window)|maximum[\s_-]?context|too[\s_-]?many[\s_-]?tokens/i },
  { name: 'content_filter', pattern: /content[\s_-]?(?:filter|policy|management[\s_-]?policy)|safety[\s_-]?system|moderation|(?:finish|block)[\s_]?reason\W{0,4}safety/i },
];

function failureClasses(text: string, signal: Pick<Signal, 'errorType' | 'attributes'>, features: ReadonlySet<string>): Set<string> {
  const said = new Set<string>();
  const byStatusOnly = new Set<string>();
  const statuses = [...features].filter((f) => f.startsWith(FEATURE.status)).map((f) => f.slice(FEATURE.status.length));
  // From g-2026-12-06 a URL's words say where, not what happened (`https://shopify.dev/…/rate-limits`). From
  // g-2026-12-06.2 an error code or type among the attributes says what happened (`shopify.error_code: THROTTLED`).
  const codes = Object.entries(signal.attributes ?? {}).filter(([key]) => CODE_ATTRIBUTE.test(key) || ERROR_TYPE_ATTRIBUTE.test(key));
  const readable = [text.replace(URL_PATTERN, ' '), signal.errorType ?? '', ...codes.map(([, value]) => String(value))].join('\n');
  for (const { name, statuses: byStatus, pattern } of FAILURE_CLASSES) {
    if (pattern.test(readable)) said.add(name);
    else if (byStatus && statuses.some((status) => byStatus.test(status))) byStatusOnly.add(name);
  }
  // From g-2026-12-05.7, a status's class gives way to the failure the text names that the API answers with
  // that status: a 403 that says rate limit is a rate limit (GitHub, Salesforce), a 400 that says content
  // filter or context length is that (OpenAI, Azure). Before, the two 403s shared `forbidden` and no veto
  // told them apart.
  for (const [general, specific] of STATUS_EXPLAINED) if (specific.some((c) => said.has(c))) byStatusOnly.delete(general);
  // From g-2026-12-06.3 a duplicate is a failure of its own: what retrying a call that timed out (or failed)
  // made twice has its own fix (an idempotency key), and the timeout the text names is its cause, not its class.
  // Before, it shared the timeout's class and the tool, and joined the timeout.
  if (DUPLICATED.test(readable)) {
    for (const cause of RETRIED_CAUSES) said.delete(cause);
    said.add('duplicate');
  }
  return new Set([...said, ...byStatusOnly]);
}

/**
 * Something done twice: a duplicate, a double booking, charged twice, a second order; from g-2026-12-06.5
 * also filed (recorded, shipped, …) twice, two of a thing for one (`two manifests for one pump-out`), and a
 * runner who has two paid entries (`-> 2 entries`).
 */
const DUPLICATED = /\bduplicat\w*|\bdouble[\s-]?(?:book\w*|charg\w*|refund\w*|billed|post\w*|submit\w*|order\w*|sen[dt]\w*)|\b(?:booked|charged|billed|reserved|created|sent|refunded|ordered|submitted|posted|paid|issued|dispatched|scheduled|filed|recorded|logged|entered|shipped|emailed|texted|registered|uploaded|generated|processed)\s+(?:it\s+|them\s+)?twice\b|\b(?:two|2)\s+\w+s\s+for\s+(?:one|the\s+same|a\s+single)\b|(?:\b(?:has|have|with|got|created)|->)\s+(?:two|2)\s+(?:\w+\s+)?(?:entries|charges|bookings|reservations|registrations|labels|manifests|invoices|shipments|tracking\s+numbers)\b|\b(?:creat|issu|open|plac|book)\w*\s+a\s+second\b|\bsecond\s+\w+\s+(?:order|charge|booking|reservation|ticket|invoice|payment|payout|refund)\b/i;
const RETRIED_CAUSES = ['timeout', 'server_error', 'connection'];

const STATUS_EXPLAINED: ReadonlyArray<[string, string[]]> = [
  ['forbidden', ['rate_limited']],
  // From g-2026-12-06.2 also a 400 that says access denied, unauthenticated or throttled, as AWS answers
  // `AccessDeniedException` and `ThrottlingException` (read since then from a span's `error.type`).
  ['invalid_request', ['content_filter', 'context_length', 'forbidden', 'unauthenticated', 'rate_limited']],
];

/**
 * Error codes an API put in its error body, as a quoted value of an error field: snake_case
 * (`"error": "not_in_channel"`, `'code': 'card_declined'`), and from g-2026-12-06.3 a constant
 * (`"error_code": "ITEM_LOGIN_REQUIRED"`, see isConstantCode), as Plaid and Salesforce write theirs. They
 * name the failure exactly. From g-2026-12-06.4 also under a field named for the API (`"fedex_code":`) and
 * written with dots (`"code": "RECIPIENT.POSTALCODE.STATE.MISMATCH"`), as FedEx and UPS write theirs.
 */
const ERROR_CODE_IN_TEXT = /\b(?:[a-z]+_)?(?:error|code|error_code|errorCode)["']?\s*[:=]\s*["']([A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)*)["']/g;

function isCodeInBody(value: string): boolean {
  return CODE_ERROR_TYPE.test(value) || isConstantCode(value) || LETTERED_CODE.test(value);
}

/**
 * From g-2026-12-06.5, a code of a few capitals and digits (`E00027`, `ORA-00942`, `AADSTS50076`), as
 * Authorize.net, Oracle and Entra ID number theirs; read where a code is expected (a code key, an error body).
 */
const LETTERED_CODE = /^[A-Z]{1,6}-?\d{3,6}$/;

/**
 * From g-2026-12-06.6, an error type of capitals and digits (`E11000`, `P1001`, an ACH return's `R04`): the
 * source named its code, which before gave no feature at all. Two digits suffice in the field, not in a text.
 * Not a status (`HTTP429`), which is read as one.
 */
const LETTERED_ERROR_TYPE = /^(?!HTTP)[A-Z]{1,6}-?\d{2,6}$/;

/**
 * A code assigned unquoted, as gateways log one (`status=200 code=MAX_COST_EXCEEDED`, `error=not_in_channel`),
 * from g-2026-12-05.7: a constant or a snake_case name, never a plain word (`error=timeout`) or a number; from
 * g-2026-12-06 also one upper-case word (`code=THROTTLED`, see isConstantCode); from g-2026-12-06.4 also under a
 * key named for the API (`fedex_code=`) and a constant written with dots (`SATURDAYDELIVERY.NOT.AVAILABLE`);
 * from g-2026-12-06.5 also a code of capitals and digits (`code=E00027`, see LETTERED_CODE).
 */
const ERROR_CODE_ASSIGNED = /\b(?:[a-z]+_)?(?:error|code|error_code|errorCode)=([A-Z][A-Z0-9]*(?:[._][A-Z0-9]+)+|[A-Z]{5,}|[A-Z]{1,6}-?\d{3,6}|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?!\w|\.\w)/g;

/**
 * A code an exception is raised with, written after its name (`stripe InvalidRequestError:
 * balance_insufficient`, `SalesforceMalformedRequest: UNABLE_TO_LOCK_ROW`), from g-2026-12-06: an SDK's
 * class is shared by all of an API's errors, and the code after it tells them apart. From g-2026-12-07 a name
 * followed by a colon and a value is the key of the code, not the code: `StopCandidateException: finish_reason:
 * RECITATION` is raised with `RECITATION` (the first group), as a gateway's error type says, and `ApiError:
 * status_code: 429` with no code. A code followed by its description stays one (`card_declined: Your card was
 * declined`, `UNABLE_TO_LOCK_ROW: unable to obtain exclusive access`).
 */
const EXCEPTION_CODE = /\b[A-Z][a-z]+(?:[A-Z][a-z]*)+:\s*(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*:\s*([A-Z]{2,}[A-Z0-9]*(?:_[A-Z0-9]+)*)|([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?!\s*:\s*["'\d])|([A-Z]{2,}[A-Z0-9]*(?:_[A-Z]{2,}[A-Z0-9]*)+))(?![\w.-])/g;

/**
 * A number assigned to a key named an error code (`ErrorCode="6"`, `"error_code": 190`), from g-2026-12-06:
 * the text's form of an attribute named a code, whatever its length.
 */
const NUMBER_ASSIGNED_TO_CODE = /\berror[_.]?code["']?\s*[:=]\s*["']?(-?\d{1,6})(?![\w.])/gi;

/**
 * From g-2026-12-06.4, a number of four to six digits assigned to a key named for an API's code
 * (`twilio_code=21610`, `"stripe_code": 4001`), as a gateway logs a provider's numeric code; not the codes
 * that are no errors (a postal, country or discount code, a one-time passcode).
 */
const VENDOR_NUMBER_CODE = /\b([a-z]+)_(?:error_)?code["']?\s*[:=]\s*["']?(\d{4,6})(?![\w.])/gi;
const NOT_ERROR_CODES = new Set(
  'zip postal post area country currency promo coupon discount gift voucher referral invite auth otp verification confirmation access pin tax product item sku booking order customer account region state lang language status http response exit iata airport unit room gate door lock class course job cost budget'.split(' '),
);

/**
 * A SQLSTATE (`23P01` exclusion violation, `40001` serialization failure), from g-2026-12-06.4: five digits or
 * capitals beginning with two digits, as an error type, an attribute of the database's status, or in the text
 * after `sqlstate`. Each names a database error exactly; before, only one of digits alone was read.
 */
const SQLSTATE = /^\d{2}[0-9A-Z]{3}$/;
const SQLSTATE_IN_TEXT = /\bsqlstate["']?\s*[:=]?\s*["']?(\d{2}[0-9A-Z]{3})(?![\w.])/gi;

/**
 * The name an error says is missing, which tells two errors of one class apart: a Python `KeyError: 'x'`,
 * `has no attribute 'x'`, and a column, relation, table, field or key `"x"` that does not exist; from
 * g-2026-12-06 also the first of Salesforce's `Required fields are missing: [Flue_Liner__c]`.
 */
const MISSING_NAME =
  /\bKeyError:?\s*\(?['"]([\w.-]{1,64})['"]|\bhas no attribute ['"]([\w.-]{1,64})['"]|\b(?:column|relation|table|field|key|property)\s+['"]([\w.-]{1,64})['"]\s+(?:does not exist|not found|is missing|is required)|\brequired fields are missing:\s*\[\s*['"]?([\w.-]{1,64})/gi;

/**
 * From g-2026-12-06.5, the field a validation error is about: pydantic's `1 validation error for PanelSpec`
 * and the field alone on the next line (a model's own error has none: its message follows), and a
 * validator's `record_panel_spec.voltage: expected integer`. The same error on two fields is two failures
 * (one bad argument each), and before, their words were nearly all shared. From g-2026-12-06.6 also NetSuite's
 * `Invalid Field Value 14 for the following field: location`.
 */
const INVALID_FIELD =
  /\bvalidation errors? for [A-Za-z_]\w*\s+([A-Za-z_][\w.]{0,63})[^\S\n]*$|\b[a-z_]\w*\.([a-z_]\w{0,63}):\s+(?:expected|must be|should be|is required|is not a valid|invalid)\b|\bfor the following fields?:\s*['"]?([A-Za-z_][\w.]{0,63})/gm;

/**
 * From g-2026-12-07.2, the field a validator says is required (`report.devices[27].location_description is
 * required`, `tag_number must not be blank`: a path or a name with an underscore, not a word of a sentence)
 * and the field an error body names (`{"errors":[{"field":"devices[15].location_description",…}]}`), compared
 * by its last part: one report's path starts where another's does not.
 */
const REQUIRED = /(?<=\S)\s+(?:is required|is missing|(?:must|may) not be (?:blank|empty|null)|can(?:not| not|'t) be (?:blank|empty|null))\b/g;
const FIELD_PATH = /^(?:(?:[A-Za-z_]\w*(?:\[\d+\])?\.)+[A-Za-z_]\w{0,63}|[a-z][a-z\d]*(?:_[a-z\d]+)+|[a-z]+(?:[A-Z][a-z\d]+)+)(?:\[\d+\])?$/;
const PATH_CHAR = /[\w.[\]]/;

/**
 * The fields said to be required: the path just before each phrase, read backwards from it. One pattern for
 * path and phrase took 5.4 ms to read the features of 2,000 characters of `a.a.a.…` (backtracking over every
 * dot), against 0.9 ms without it; this takes 1.2 ms. The phrase starts only where a word ends: from every
 * space, 2,000 spaces took 4.2 ms, against 0.6 without it; this takes 0.5 ms.
 */
function requiredFields(text: string): string[] {
  const fields: string[] = [];
  for (const match of text.matchAll(REQUIRED)) {
    let start = match.index;
    while (start > 0 && match.index - start < 128 && PATH_CHAR.test(text[start - 1]!)) start--;
    const path = text.slice(start, match.index);
    if (FIELD_PATH.test(path)) fields.push(path);
  }
  return fields;
}
const FIELD_IN_BODY = /["']field["']\s*:\s*["']([A-Za-z_][\w.[\]]{0,100})["']/g;

function lastField(path: string): string {
  return path.replace(/\[\d+\]/g, '').split('.').pop()!.toLowerCase();
}

/**
 * From g-2026-12-06.5, a number after an exception's name and before its text (`QB Validation Exception
 * 2500: Invalid Reference Id`), as SDKs that number their errors write it: `Validation Exception` is every
 * validation error of the API, and the number tells them apart.
 */
const EXCEPTION_NUMBER = /\b(?:exception|fault)\s+(\d{4,6})(?=\s*[:(])/gi;

/**
 * An error type that is an API's code written as a constant (from g-2026-12-05.6): `DUPLICATES_DETECTED`,
 * `INVALID_SESSION_ID`, `OVER_QUERY_LIMIT` (Salesforce, Google Maps, Plaid), the vocabulary of a JSON body's
 * named code. Each part starts with two letters, so `HTTP_429` is not one. Only the field is read so: in a
 * text such a word is as often a table (`SELECT FLEET_AVAILABILITY`). From g-2026-12-06.4 the parts may be
 * joined by dots (`RECIPIENT.POSTALCODE.STATE.MISMATCH`).
 */
const CONSTANT_CODE = /^[A-Z]{2,}[A-Z0-9]*(?:[._][A-Z]{2,}[A-Z0-9]*)+$/;

/** A code's feature: case folded, and from g-2026-12-06.4 dots read as underscores, as sources write it both ways. */
function codeFeature(code: string): string {
  return FEATURE.code + code.toLowerCase().replace(/\./g, '_');
}

/**
 * From g-2026-12-06 also one upper-case word of five letters or more (`THROTTLED`, gRPC's `UNAVAILABLE`), as
 * Shopify and gRPC name codes, but for the words every error says.
 */
function isConstantCode(text: string): boolean {
  return CONSTANT_CODE.test(text) || (/^[A-Z]{5,}$/.test(text) && !GENERIC_CONSTANTS.has(text));
}

const GENERIC_CONSTANTS = new Set(['ERROR', 'ERRORS', 'FAILED', 'FAILURE', 'FATAL', 'EXCEPTION', 'WARNING', 'CRITICAL']);

/** An error type that is a code rather than a class: `card_declined`, `called_wrong_tool`; or a number, `21211`. */
const CODE_ERROR_TYPE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
const NUMERIC_ERROR_TYPE = /^-?\d{4,6}$/;

/**
 * A span's exception as a traceback's last line says it (`KeyError: 'clarity_grade'`), from OpenTelemetry's
 * `exception.type` and `exception.message`, from g-2026-12-06.4: a span without a message says the missing
 * name only there.
 */
function spanException(attributes: Readonly<Record<string, unknown>>): string {
  const type = attributes['exception.type'];
  const message = attributes['exception.message'];
  return typeof type === 'string' && typeof message === 'string' ? `${type}: ${message.slice(0, 200)}` : '';
}

/** The attributes OpenTelemetry's GenAI and MCP conventions name a called tool by. */
const TOOL_ATTRIBUTES = ['gen_ai.tool.name', 'mcp.tool.name', 'tool.name'];

function toolAttribute(attributes: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of TOOL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

/**
 * Error codes the attributes carry (from g-2026-12-05.6), as the text's codes are read: a numeric code
 * (`rpc.jsonrpc.error_code: -32602`, `twilio.error_code: 21610`) and a provider's named code
 * (`plaid.error_code: ITEM_LOGIN_REQUIRED`, `slack.error: not_in_channel`), so a span that says its code
 * only there is told apart from another code's failure.
 */
function attributeCodes(attributes: ReadonlyArray<[string, unknown]>): string[] {
  const codes: string[] = [];
  for (const [key, value] of attributes) {
    const text = String(value).trim();
    if (CODE_ATTRIBUTE.test(key)) {
      if (NUMERIC_ERROR_TYPE.test(text) || (NUMBERED_CODE_ATTRIBUTE.test(key) && /^-?\d{1,3}$/.test(text))) codes.push(FEATURE.errno + text);
      // From g-2026-12-06.2 also one upper-case word (`shopify.error_code: THROTTLED`), as in the text.
      else if (/^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$/.test(text) || isConstantCode(text) || LETTERED_CODE.test(text)) codes.push(codeFeature(text));
    } else if (FIELD_ATTRIBUTE.test(key) && /^[A-Za-z_][\w.]{0,63}$/.test(text)) {
      // From g-2026-12-07.3 by the last part of its path, as a field named in the text is (`address.zip` is `zip`).
      codes.push(FEATURE.missing + lastField(text));
    } else if (PROVIDER_FAULT_CODE.test(key)) {
      if (/^-?\d{1,6}$/.test(text)) codes.push(FEATURE.errno + text);
      else if (isCodeInBody(text)) codes.push(codeFeature(text));
    } else if (PROVIDER_STATUS.test(key) && isStatusConstant(text)) {
      codes.push(codeFeature(text));
    } else if (DATABASE_CODE_ATTRIBUTE.test(key) && (NUMERIC_ERROR_TYPE.test(text) || SQLSTATE.test(text))) {
      codes.push(FEATURE.errno + text.toUpperCase());
    } else if (isProtocolStatus(key, text)) {
      codes.push(/^(?:0x[\dA-F]+|\d+)$/i.test(text) ? FEATURE.errno + text.toLowerCase() : codeFeature(text));
    } else if (ERROR_TYPE_ATTRIBUTE.test(key)) {
      if (isConstantCode(text)) codes.push(codeFeature(text));
      else if (CODE_ERROR_TYPE.test(text)) codes.push(FEATURE.errorType + text);
    }
  }
  return codes;
}

const CODE_ATTRIBUTE = /(?:^|[._])(?:error[._]?code|error)$/i;
/**
 * From g-2026-12-06.4 also a provider's fault code (`qbo.fault.code: 6140`) and a status it names by a
 * constant (`maps.status: OVER_QUERY_LIMIT`), as plan.ts reads them into a message-less signal's text; from
 * g-2026-12-06.5 also its message code (`authnet.message_code: E00027`).
 */
export const PROVIDER_FAULT_CODE = /[._](?:fault|message)[._]?code$/i;
export const PROVIDER_STATUS = /[._]status$/i;
/**
 * From g-2026-12-06.5, the field an API's error names among the attributes (`sf.error_fields:
 * Working_Radius__c`, `shopify.user_errors.field`), read as the text's missing name is.
 */
const FIELD_ATTRIBUTE = /[._](?:error_)?fields?$/i;

/** A status written as a constant that names a failure: `OVER_QUERY_LIMIT`, `ZERO_RESULTS`; not `OK`. */
export function isStatusConstant(text: string): boolean {
  return isConstantCode(text) && !SUCCESS_CONSTANTS.has(text);
}

const SUCCESS_CONSTANTS = new Set(['SUCCESS', 'SUCCEEDED', 'COMPLETED', 'COMPLETE', 'ACTIVE', 'UNSET']);
/**
 * From g-2026-12-06: an attribute named a code holds one whatever its length (`vpic.error_code: 1` and `6`
 * are two failures of one call), and so does OpenTelemetry's database status (`db.response.status_code:
 * 000630`, a Snowflake or SQLSTATE code), as a dumped span or an attribute.
 */
const NUMBERED_CODE_ATTRIBUTE = /(?:^|[._])error[._]?code$/i;
const DATABASE_CODE_ATTRIBUTE = /^db\.response\.status_code$/i;

/**
 * From g-2026-12-07.2, the status of a protocol other than HTTP among a span's attributes, by its code or its
 * name (`opcua.status_code: 0x80340000`, `opcua.status_name: BadNodeIdUnknown`, `rpc.grpc.status_code: 14`):
 * a span named for its operation (`opcua.Read`) says how it failed only there. Not OpenTelemetry's own span
 * status, which every failed span has, nor HTTP's, read as a status; not a status that says it succeeded.
 */
export function isProtocolStatus(key: string, value: string): boolean {
  return (
    PROTOCOL_STATUS_ATTRIBUTE.test(key) &&
    !NOT_PROTOCOL_STATUS_ATTRIBUTE.test(key) &&
    PROTOCOL_STATUS_VALUE.test(value) &&
    !SUCCESS_STATUS.test(value) &&
    !GENERIC_CONSTANTS.has(value)
  );
}

const PROTOCOL_STATUS_ATTRIBUTE = /[._]status[._]?(?:code|name)$/i;
const NOT_PROTOCOL_STATUS_ATTRIBUTE = /^(?:otel|http|db\.response)\.|(?:^|\.)http\.[\w.]*$/i;
/** A hexadecimal or decimal code (not an HTTP status), a constant or a name in CamelCase. */
const PROTOCOL_STATUS_VALUE = /^(?:0[xX][\dA-Fa-f]{1,8}|(?![1-5]\d\d$)\d{1,6}|[A-Z][A-Z\d]*(?:_[A-Z\d]+)+|[a-z]+(?:_[a-z\d]+)+|[A-Z]{4,}|[A-Z][a-z\d]+(?:[A-Z][a-z\d]*)+)$/;
const SUCCESS_STATUS = /^(?:0|0x0+|ok|good|success|succeeded|unset)$/i;
/**
 * From g-2026-12-06, an error type in the attributes is read as the field is: a constant is a code
 * (`error.type: THROTTLED`), a snake_case name a type compared with its own kind (`stripe.error.type:
 * idempotency_error` is not `invalid_request_error`).
 */
const ERROR_TYPE_ATTRIBUTE = /(?:^|[._])(?:error|exception)[._]type$/i;

/**
 * Attributes: a categorical value names what failed (`metric=faithfulness`, `error.type=timeout`); a number,
 * an id or a long text is a measurement or a pointer, so only the key counts. URLs give host and endpoint.
 */
function addAttribute(features: Set<string>, key: string, value: string | number | boolean): void {
  const name = key.toLowerCase();
  if (REPORT_CONTEXT.test(name)) return;
  if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    addUrl(features, value);
    return;
  }
  const text = String(value);
  const categorical = typeof value !== 'number' && text.length <= 48 && maskText(text) === text && !/\s{2,}/.test(text);
  features.add(FEATURE.attribute + (categorical ? `${name}=${text.toLowerCase()}` : name));
  if (categorical && typeof value === 'string') addWords(features, text);
}

/**
 * Attributes that say how a failure was reported rather than what failed (from g-2026-12-05.4): where the
 * report came from (channel, locale, the reporter's role, the CI provider, the project, experiment or data
 * set an evaluation ran in, the detector) and the generic slots of a measurement (a value, score, baseline,
 * threshold, window or unit, whatever was measured). Every report of that kind carries them, so two
 * unrelated user complaints, or two alerts of one detector, shared enough of them to join. The name of
 * what was measured or checked (`metric.name`, `eval.name`, `retrieval.hits`) still counts.
 */
const REPORT_CONTEXT = new RegExp(
  '^(?:' +
    [
      'channel|locale|level|detector|rating|dataset|experiment',
      // From g-2026-12-06.5: who on the staff reported it (`reported_by: account_manager`); from g-2026-12-06.6
      // any of the reporter's attributes (`reporter_team: account-management`).
      'reported_by|reporter(?:_[a-z]+)*',
      // From g-2026-12-05.6: the service and deployment that reported it, the reporter's locale, the suite
      // an evaluation ran in, the source's session, and OpenTelemetry's span status, which every failed
      // span has.
      '(?:service|deployment|host|process|telemetry|otel\\.scope)\\.[\\w.]+',
      'otel\\.status_code',
      // From g-2026-12-05.7: the span's kind (every client span is one).
      'span\\.kind',
      '[\\w]+\\.(?:locale|language|suite|session_name|tenant_name|event_type)',
      'git\\.[\\w.]+|suite',
      // From g-2026-12-05.7: the revision an evaluation ran on (OpenTelemetry's `vcs.*`, like `git.*`).
      'vcs\\.[\\w.]+',
      '(?:user|ci|sdk)\\.[\\w.]+',
      'feedback\\.(?:key|score|channel|source|user_role|thumbs?|rating|sentiment)',
      '[\\w]+\\.(?:project|experiment|dataset)',
      '(?:[\\w]+\\.)?(?:value|score|threshold|baseline|observed|ratio|deviation|max|min|window|unit)(?:_(?:pct|s|ms))?',
    ].join('|') +
    ')$',
);

/**
 * Function words and the words every failure report uses: they say how a report is phrased, not what
 * failed. Negations stay ("not", "no", "without"): they carry meaning.
 */
const STOPWORDS = new Set(
  (
    'a an the and or but of in on at to for from by with into onto via is are was were be been being it its this that these those as ' +
    'during when while than then there their has have had do does did so if i me my we us our you your he she his her they them ' +
    'across sometimes often always again still repeatedly occasionally intermittently some any all each per ' +
    'agent bot chatbot assistant detected observed reported noticed seen error errors failed failure failures fail fails failing issue issues ' +
    'traceback recent call last file line most'
  ).split(' '),
);

/**
 * The function words of the other languages feedback most often comes in (Spanish, French, German, Dutch,
 * Portuguese, Italian, Swedish): two complaints in one language shared them and nothing else.
 */
const FOREIGN_STOPWORDS = new Set(
  (
    'el la los las un una unos unas de al y o que en es fue por para se su sus me mi mis te tu lo le les ya muy pero como cuando porque ni este esta eso esto ' +
    'le la les un une des du de et ou que qui en sont avec sans se sa ses me ma mes ne pas mais comme quand il elle ils on je vous nous au aux ce cette ' +
    'der das dem des ein eine einen einem einer und oder dass in im ist sind für ohne sich sein seine mich mir mein meine nicht kein keine aber wie wenn ich sie er es wir ihr auf zu vom zum zur ' +
    'het een en dat voor zonder zich zijn mijn niet geen maar hoe ik hij ze wij jij je te naar bij ook er wel nog ' +
    'uma uns umas do das nos por seu sua meu minha quando ele ela você foi ' +
    'il gli di della dei delle senza suo sua mio mia ma lui lei sono nel nella ' +
    'och att det som en ett av för utan sig sitt mitt inte hur när jag han hon vi ni på från har är'
  ).split(' '),
);

/** Words people use interchangeably when reporting a failure, read as one. */
const SYNONYMS: Readonly<Record<string, string>> = {
  never: 'not',
  incorrect: 'wrong',
  inaccurate: 'wrong',
  erroneous: 'wrong',
  mistaken: 'wrong',
  choice: 'selection',
  choose: 'selection',
  chose: 'selection',
  timeout: 'timedout',
  timeouts: 'timedout',
  timed: 'timedout',
  deadline: 'timedout',
  throttled: 'ratelimit',
  throttling: 'ratelimit',
  quota: 'ratelimit',
  ratelimit: 'ratelimit',
  unauthorized: 'unauthenticated',
  unauthenticated: 'unauthenticated',
  forbidden: 'forbidden',
  // From g-2026-12-05.3: how people word an agent's failure modes, one word per mode.
  ...wordsFor('hallucinated', 'hallucinated hallucinates hallucination hallucinations hallucinating invented invents inventing fabricated fabricates fabricating fabrication nonexistent ungrounded unfounded unsupported'),
  ...wordsFor('outdated', 'outdated stale superseded obsolete deprecated'),
  ...wordsFor('duplicate', 'duplicate duplicated duplicates twice double doubled'),
  ...wordsFor('missing', 'missing lacks lack lacking omits omitted omitting drops dropped'),
  ...wordsFor('ignores', 'ignores ignored ignoring disregards disregarded skips skipped skipping bypasses bypassed'),
  ...wordsFor('leaked', 'leaked leaks leaking exposed exposes revealed reveals disclosed discloses'),
  ...wordsFor('slow', 'slow slower latency sluggish'),
  ...wordsFor('spike', 'spike spikes surge surged jump jumped'),
  ...wordsFor('loop', 'loop loops looping stuck repeats repeated repeating'),
};

function wordsFor(word: string, words: string): Record<string, string> {
  return Object.fromEntries(words.split(' ').map((w) => [w, word]));
}
