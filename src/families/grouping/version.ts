// Grouping versions (Sentry-style): a dated id kept in every family. A released version is never edited;
// a better rule is a new version. A version fixes what is derived from a signal and stored (keys, masked
// text, template tokens, features: the golden files); the similarity step's decision over them stores no
// key and may improve within a version. New families are made by the current version; a family keeps matching
// under the version that made it, because during a version's transition window every signal is also keyed
// the old way (plan.ts; legacy_2026_11_22/ for the first version), and a family found that way learns the
// current version's keys, template and features.

export const GROUPING_VERSION = 'g-2026-12-07.4';

export const LEGACY_VERSIONS = [
  // Released 2026-12-07: a value a report states with its unit or currency (`30-day`, `$500`, `25%`) was masked
  // and no feature, so reports of one wrong deadline, fee or rate shared nothing by it.
  { version: 'g-2026-12-07.3', transitionUntil: new Date('2027-06-07T00:00:00Z') },
  // Released 2026-12-07: a 4xx or 5xx counted in the plural or as a rate (`287 Routes API 429s`, `429 ratio
  // 27.5%`) was masked, not read as a status; the field an attribute names (`shopify.user_errors.field:
  // address.zip`) kept its whole path where the text's field is its last part; a tool named with dots
  // (`docusign.create_envelope`, the provider's operation) vetoed the agent's tool that calls it.
  { version: 'g-2026-12-07.2', transitionUntil: new Date('2027-06-07T00:00:00Z') },
  // Released 2026-12-07: a span's status of a protocol other than HTTP (`opcua.status_name: BadNodeIdUnknown`,
  // `rpc.grpc.status_code: 14`) was no code and no part of a message-less span's fingerprint, so two failures of
  // one operation shared a key; the field a validator says is required (`report.devices[27].tag_number is
  // required`) or an error body names (`"field":"devices[15].tag_number"`) was not read.
  { version: 'g-2026-12-07', transitionUntil: new Date('2027-06-07T00:00:00Z') },
  // Released 2026-12-06: a number joined to letters by a hyphen (`RB-118`, `F-250`, `SHA-256`) was read as an
  // HTTP status, so two reports of one failure naming two batches vetoed each other; and the key of a code
  // written after an exception's name (`StopCandidateException: finish_reason: RECITATION`, `ApiError:
  // status_code: 429`) was read as the code.
  { version: 'g-2026-12-06.6', transitionUntil: new Date('2027-06-07T00:00:00Z') },
  // Released 2026-12-06: an error type of capitals and digits (`R04`, `E11000`, `P1001`) gave no feature,
  // NetSuite's `… for the following field: location` named no field, and a reporter's team
  // (`reporter_team: account-management`) was a feature.
  { version: 'g-2026-12-06.5', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-06: a provider's message code (`authnet.message_code: E00027`) and a code of letters and
  // digits were no codes; the field a validation error is about (`1 validation error for PanelSpec voltage`,
  // `sf.error_fields`), a number after an exception's name (`Validation Exception 2500:`) and the check an
  // evaluation names in its title were not read; the agent's own name (`crane-dispatch-agent`) and `reported_by`
  // were features; "times out" was no timeout, and "filed twice" or "has two paid entries" no duplicate.
  { version: 'g-2026-12-06.4', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-06: a code under a key named for its API (`fedex_code=`, `twilio_code=21610`), one written
  // with dots (`RECIPIENT.POSTALCODE.STATE.MISMATCH`) or a SQLSTATE with letters (`23P01`) was no code, a
  // status in parentheses after an exception class (`ApiException: (409)`) was masked, and a message-less
  // span's fault code, provider status (`maps.status: ZERO_RESULTS`) and exception message were not read.
  { version: 'g-2026-12-06.3', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-06: an error body's code written as a constant (`"error_code": "INVALID_FIELD"`) was no
  // code, and a duplicate made by retrying a call that timed out had the timeout's class and no class of its own.
  { version: 'g-2026-12-06.2', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-06: a tool a gateway's line named (`tool=charge_deposit`) was no tool of the signal,
  // `registrations.create` and `create_registration` were two tools, an attribute code of one upper-case word
  // (`shopify.error_code: THROTTLED`) was no code and an attribute's code or error type gave no failure
  // class, and the words of who on the staff reported a failure (`Escalation from front desk`) were read.
  { version: 'g-2026-12-06', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-05: a namespaced tool (`notify.send_sms`) named another tool than its bare name, an
  // error body's message (`"message": "Invalid params: …"`) gave no words, a code after an exception's
  // name (`InvalidRequestError: balance_insufficient`), a short `*.error_code`, a database status code, an
  // error type among the attributes and one upper-case word (`THROTTLED`) were no codes, a URL's words gave
  // a failure class, and `MalformedRequest` was a syntax error.
  { version: 'g-2026-12-05.7', transitionUntil: new Date('2027-06-06T00:00:00Z') },
  // Released 2026-12-05: it read a span's attributes dumped into its message (`service.name=lanes-bot
  // otel.status_code=ERROR span.kind=CLIENT …`) as words, so two failures of one service shared the
  // reporting service and the key names; `span.kind` was a feature; a span that ended OK had no class, a
  // code assigned unquoted (`code=MAX_COST_EXCEEDED`) was no code, and a 403 that said rate limit was also
  // `forbidden`, so a rate limit and a missing permission of one API shared a class.
  { version: 'g-2026-12-05.6', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-05: its features held the attributes of the reporting service and of how a report was
  // made (`service.name`, `deployment.environment`, `otel.status_code`, `feedback.locale`), so failures
  // reported by one source joined; a tool or code said only in attributes, and an error type written as a
  // constant (`DUPLICATES_DETECTED`), were no features; its miner read `"status":401` in a JSON body as a value.
  { version: 'g-2026-12-05.5', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-05: a signal without a message was grouped by its title, tool and error type alone, so
  // every failure of a span named for its endpoint (`POST /v2/translate`, 400 or 456) shared a fingerprint.
  { version: 'g-2026-12-05.4', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-05: its features held the attributes of how a failure was reported (channel, locale,
  // detector, CI provider, a measurement's value and baseline), so unrelated reports of one kind joined.
  { version: 'g-2026-12-05.3', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-05: it masked a status after a verb of answering or the name of what was called
  // (`returned 503`, `optimize_routes 502`) and the value of an evaluation's case key (`case=figma-brief`).
  { version: 'g-2026-12-05.2', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-05: it masked a status after an HTTP exception class (`<HttpError 404 when …>`) and
  // read no numeric error codes (`Twilio error 21211`, JSON-RPC `-32602`) or code-like error types.
  { version: 'g-2026-12-05', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-12-04: the template miner and the similarity step; it masked an HTTP status written after
  // a request line (`POST /v1/refunds 403`), so one endpoint's statuses shared a fingerprint.
  { version: 'g-2026-12-04', transitionUntil: new Date('2027-06-05T00:00:00Z') },
  // Released 2026-11-22: fingerprint over tenant, workflow, boundary, kind, tool, error type and the old
  // message template; title keys for message-less signals.
  { version: 'g-2026-11-22', transitionUntil: new Date('2027-06-01T00:00:00Z') },
] as const;

/** The legacy versions whose keys a signal arriving at `now` is still looked up by. */
export function legacyVersionsAt(now: Date): string[] {
  return LEGACY_VERSIONS.filter((v) => now < v.transitionUntil).map((v) => v.version);
}
