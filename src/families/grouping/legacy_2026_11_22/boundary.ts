// Decides which boundary a failure most likely crossed (prompt, tool contract, context source, model route,
// permission, downstream API): from the signal's explicit field, then the team's config rules, then built-in keyword rules.
import type { Boundary, SignalKind } from '../../types.js';

export interface BoundaryInput {
  explicit?: Boundary;
  title: string;
  message?: string;
  errorType?: string;
  kind?: SignalKind;
  tool?: string;
}

export interface BoundaryRule {
  match: RegExp;
  boundary: Boundary;
}

export interface BoundaryDecision {
  boundary: Boundary;
  /** What decided: `explicit`, `config:<index>`, `builtin:<name>` or `default`. */
  rule: string;
}

interface BuiltinRule {
  name: string;
  boundary: Boundary;
  /** Any one matching is enough. */
  patterns: readonly RegExp[];
}

/** Words that make the number after "returned" a count, not an HTTP status: "returned 500 rows". */
const COUNT_NOUNS = 'rows|results|items|records|documents|docs|tokens|orders|requests|times|users|ms|seconds|bytes';

/**
 * An HTTP status only counts next to a word that says it is one ("HTTP 503", "status=401", "Error code: 429",
 * "returned 502"), so "order 401" or "order 84013" never look like one.
 */
function httpStatus(codes: string): RegExp {
  return new RegExp(
    String.raw`\b(?:https?(?:\/[\d.]+)?|status(?:[ _-]?code)?|code|error|response|returned|responded with|failed with)[\s:=(\[#-]{0,3}(?:${codes})\b(?!\.\d)(?!\s+(?:${COUNT_NOUNS})\b)`,
    'i',
  );
}

/**
 * First match wins, so the order is the precedence, most specific first:
 *  - model-side rules come first because providers report them as timeouts and 5xx/529s
 *    ("timeout calling the model: model overloaded" is model_route);
 *  - rate limits are downstream_api even when the provider is the model vendor ("rate limit on gpt-4o"):
 *    the fix is capacity, retries or quota, not the route; they precede permission because some APIs
 *    (GitHub) answer rate limits with 403;
 *  - permission and tool-contract phrases are specific and beat the generic infrastructure rules;
 *  - 5xx, connection errors, then the generic timeout;
 *  - context-source and prompt rules last: their words ("missing", "refused", "tone") are the vaguest,
 *    and an infrastructure error in the same message is the likelier cause.
 */
const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    name: 'model-overloaded',
    boundary: 'model_route',
    patterns: [
      /\b(?:model|engine|llm|provider|anthropic|openai)\b[^\n]{0,40}\boverloaded\b/i,
      /\boverloaded[ _]error\b/i,
      httpStatus('529'),
    ],
  },
  {
    name: 'model-not-found',
    boundary: 'model_route',
    patterns: [
      /\bmodel[ _]not[ _]found\b/i,
      /\bmodel\b[\s'"`:=]{1,3}[\w.:/@-]+[\s'"`,:]{1,3}(?:does not exist|not found|is not (?:supported|available)|(?:is|has been) (?:deprecated|decommissioned|retired))/i,
      /\b(?:unknown|invalid|unsupported|deprecated|decommissioned|nonexistent) model\b/i,
      /\bno such model\b/i,
    ],
  },
  {
    name: 'context-length',
    boundary: 'model_route',
    patterns: [
      /\bcontext[ _-](?:length|window)\b[^\n]{0,30}\b(?:exceeded|exceeds|exceed|overflow|too long|limit)/i,
      /\bcontext[ _]length[ _]exceeded\b/i,
      /\bmaximum context length\b/i,
      /\b(?:exceeds?|exceeded) (?:the )?(?:model'?s? )?(?:maximum |max )?context\b/i,
      /\btoo many tokens\b/i,
      /\b(?:prompt|input) is too long\b/i,
    ],
  },
  {
    name: 'model-fallback',
    boundary: 'model_route',
    patterns: [
      /\bfallback model\b/i,
      /\bmodel fallback\b/i,
      /\b(?:fell|falling|fall) back to\b[^\n]{0,20}\b(?:model|gpt|claude|gemini|llama|mistral|o\d)/i,
      /\bwrong model\b/i,
      /\bmodel rout(?:e|ing)\b/i,
      /\b(?:mis-?routed|routed to the wrong)\b/i,
    ],
  },
  {
    name: 'rate-limit',
    boundary: 'downstream_api',
    patterns: [
      /\brate[ _-]?limit/i,
      /\btoo many requests\b/i,
      /\bthrottl(?:ed|ing)\b/i,
      /\bquota\b[^\n]{0,20}\bexceeded\b|\bexceeded (?:your )?(?:current )?quota\b|\binsufficient[ _]quota\b/i,
      /\bresource[ _]exhausted\b/i,
      /\btokens per min(?:ute)?\b/i,
      httpStatus('429'),
    ],
  },
  {
    name: 'permission',
    boundary: 'permission',
    patterns: [
      httpStatus('401|403'),
      /\bunauthori[sz]ed\b/i,
      /\bunauthenticated\b/i,
      /\bforbidden\b/i,
      /\baccess[ _-]denied\b/i,
      /\bpermission[ _-]denied\b/i,
      /\b(?:insufficient|missing|required|lacks?|lacking) (?:the )?(?:required )?(?:oauth )?(?:scopes?|permissions?|privileges?)\b/i,
      /\binsufficient[ _](?:scope|permissions?)\b/i,
      /\bnot authori[sz]ed\b|\boperation not permitted\b|\bnot permitted to\b/i,
      /\bauthentication (?:failed|required|error)\b/i,
      /\b(?:invalid|incorrect|expired|revoked) (?:api[ _-]?key|access[ _-]token|auth(?:entication)? token|credentials?|token)\b/i,
      /\beacces\b/i,
      /\bdoes not have (?:the )?(?:required |necessary )?(?:permissions?|access)\b/i,
    ],
  },
  {
    name: 'tool-contract',
    boundary: 'tool_contract',
    patterns: [
      /\bschemas?\b/i,
      /\bvalidation (?:error|failed|failure)s?\b|\bfailed (?:schema )?validation\b/i,
      /\binvalid[ _](?:tool[ _])?(?:arguments?|args|parameters?|params|input)\b/i,
      /\bmissing (?:\d+ )?(?:required )?(?:positional |keyword(?:-only)? )?(?:fields?|parameters?|params?|arguments?|args|propert(?:y|ies))\b/i,
      /\brequired (?:field|parameter|argument|property)\b|\bfield required\b/i,
      /\bunexpected (?:keyword )?(?:argument|parameter|field|property)\b/i,
      /\badditional propert(?:y|ies)\b|\bextra (?:inputs?|fields?) (?:are )?not permitted\b/i,
      /\bis not of type\b|\bwrong (?:argument |parameter )?type\b/i,
      /\bexpected (?:type )?(?:an? )?(?:string|str|integer|int|number|float|boolean|bool|array|list|object|dict)\b[^\n]{0,30}\b(?:got|received|but)\b/i,
      /\btype ?error\b[^\n]{0,80}\b(?:arguments?|args|parameters?|params)\b/i,
      /\b(?:json|parse|parsing|decode|decoding)\b[^\n]{0,60}\b(?:arguments?|args)\b/i,
      /\b(?:arguments?|args)\b[^\n]{0,60}\b(?:json|parse|parsing|decode|decoding)\b/i,
      /\b(?:unknown|unrecognized|nonexistent|non-existent|undefined) tool\b|\bno such tool\b/i,
      /\btool\b[\s'"`:=]{1,3}[\w.:/-]+[\s'"`,:]{1,3}(?:not found|does not exist|is not (?:registered|available|defined))/i,
    ],
  },
  {
    name: 'server-error',
    boundary: 'downstream_api',
    patterns: [
      httpStatus(String.raw`5\d\d`),
      /\binternal server error\b/i,
      /\bbad gateway\b/i,
      /\bservice (?:is )?(?:temporarily )?unavailable\b/i,
      /\b5xx\b/i,
      /\bserver error\b/i,
    ],
  },
  {
    name: 'connection',
    boundary: 'downstream_api',
    patterns: [
      /\beconn(?:refused|reset|aborted)\b|\benotfound\b|\beai_again\b|\bepipe\b/i,
      /\bsocket hang ?up\b/i,
      /\bconnection (?:was )?(?:refused|reset|closed|aborted|error|failed|lost|dropped)\b/i,
      /\b(?:failed|unable) to connect\b|\bcould not connect\b/i,
      /\bdns\b[^\n]{0,30}\b(?:fail|error|resolution|lookup|not found)/i,
      /\bgetaddrinfo\b|\bcould not resolve host\b|\bname or service not known\b/i,
      /\bnetwork (?:error|unreachable)\b/i,
    ],
  },
  {
    name: 'timeout',
    boundary: 'downstream_api',
    // No leading \b: ReadTimeout, ConnectTimeout and GatewayTimeout end in it.
    patterns: [/time-?outs?\b/i, /\btimed[ _-]?out\b/i, /\bdeadline[ _-]exceeded\b/i, /\b(?:e|esocket)timedout\b/i, /\btime limit exceeded\b/i],
  },
  {
    name: 'stale-context',
    boundary: 'context_source',
    patterns: [
      /\b(?:stale|outdated|out[ -]of[ -]date|irrelevant|wrong|incorrect|missing|empty|insufficient|obsolete|expired)\b(?: [\w-]+){0,2} (?:retrieved |retrieval )?(?:context|documents?|docs|passages?|chunks?|sources?|knowledge(?: base)?|snippets?|search results|information)\b/i,
      /\b(?:retrieved|retrieval|rag)\b(?: [\w-]+){0,2} (?:context|documents?|docs|passages?|chunks?|sources?|results?)\b(?: [\w-]+){0,3} (?:stale|outdated|out of date|irrelevant|wrong|missing|empty|obsolete)\b/i,
    ],
  },
  {
    name: 'empty-retrieval',
    boundary: 'context_source',
    patterns: [
      /\bretriev(?:al|er|ed|ing|e)\b[^\n]{0,40}\b(?:nothing|no (?:results|documents|docs|matches|hits|chunks|passages|context)|(?:0|zero) (?:results|documents|docs|hits|chunks|passages)|empty)\b/i,
      /\bno relevant (?:documents?|docs|context|results|passages|sources|chunks|information)\b/i,
      /\b(?:vector ?store|knowledge base|search index|embedding search)\b[^\n]{0,40}\b(?:nothing|no (?:results|documents|matches|hits)|empty)\b/i,
      /\bnothing (?:was )?retrieved\b/i,
    ],
  },
  {
    name: 'citation',
    boundary: 'context_source',
    patterns: [
      /\bcitations?\b[^\n]{0,20}\b(?:not found|missing|does not exist|do not exist|not in (?:the )?(?:context|sources?|documents?)|mismatch)\b/i,
      /\b(?:missing|broken|unresolvable) citations?\b/i,
      /\bcited (?:source|document|passage)s? (?:not found|does not exist|missing)\b/i,
    ],
  },
  {
    name: 'instructions',
    boundary: 'prompt',
    patterns: [
      /\b(?:ignored|ignoring|ignores|disregarded|didn't follow|did not follow|failed to follow|not following|violated)\b(?: the)?(?: (?:system|user|developer))? (?:instructions?|prompt)\b/i,
      /\bsystem prompt\b/i,
      /\bjailbreak/i,
      /\bprompt[ _-]?injection\b/i,
    ],
  },
  {
    name: 'hallucination',
    boundary: 'prompt',
    patterns: [/\bhallucinat/i, /\bmade[ -]up\b/i, /\bfabricat(?:ed|es|ing|ion)\b/i, /\bnot grounded\b|\bungrounded\b|\bunsupported claims?\b/i],
  },
  {
    name: 'policy-violation',
    boundary: 'prompt',
    patterns: [/\bpolicy violations?\b/i, /\bviolat(?:ed|es|ing|ion of) (?:the )?(?:[\w-]+ ){0,2}polic(?:y|ies)\b/i, /\bcontent[ _](?:policy|filter)\b/i],
  },
  {
    name: 'behaviour',
    boundary: 'prompt',
    patterns: [/\boff[ -]topic\b/i, /\brefus(?:ed|es|al|als|ing)\b/i, /\btone\b/i],
  },
];

/** Tool names that say the tool retrieves, so "returned no results" from it is a context problem. */
const RETRIEVAL_TOOL = /(?:^|[^a-z])(?:retriev\w*|rag|vector\w*|kb|knowledge\w*|docs?|documents?|embeddings?)(?:$|[^a-z])/i;
const EMPTY_RESULT = /\b(?:no|0|zero) (?:results|documents|docs|matches|hits|chunks|passages)\b|\breturned (?:nothing|an empty|empty)\b|\bempty (?:result|response)s?\b/i;

/**
 * Exception class names read as words ("ValidationError" as "Validation Error", "APITimeoutError" as
 * "API Timeout Error"), so the phrase rules cover SDK error types. Other identifiers are left whole:
 * splitting `get_schema` or `checkTimeout` would make tool names trigger keyword rules.
 */
function splitExceptionNames(text: string): string {
  return text.replace(/\b[A-Z][A-Za-z0-9]*(?:Error|Exception)\b/g, (name) =>
    name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2'),
  );
}

export function classifyBoundary(input: BoundaryInput, configRules: readonly BoundaryRule[] = []): BoundaryDecision {
  if (input.explicit && input.explicit !== 'unknown') return { boundary: input.explicit, rule: 'explicit' };

  const text = [input.title, input.message, input.errorType].filter((part) => part !== undefined && part !== '').join('\n');

  for (const [index, rule] of configRules.entries()) {
    // search() ignores lastIndex, so a rule written with /g still matches every time.
    if (text.search(rule.match) !== -1) return { boundary: rule.boundary, rule: `config:${index}` };
  }

  const readable = splitExceptionNames(text);
  for (const rule of BUILTIN_RULES) {
    if (rule.patterns.some((pattern) => pattern.test(readable))) return { boundary: rule.boundary, rule: `builtin:${rule.name}` };
  }
  if (input.tool !== undefined && RETRIEVAL_TOOL.test(input.tool) && EMPTY_RESULT.test(readable)) {
    return { boundary: 'context_source', rule: 'builtin:empty-retrieval-tool' };
  }
  if (input.kind === 'timeout') return { boundary: 'downstream_api', rule: 'builtin:timeout-kind' };
  return { boundary: 'unknown', rule: 'default' };
}
