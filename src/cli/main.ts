// The recur CLI (docs/contract.md section 6). `recur gate` is the step a release pipeline runs: exit 0 when the
// release may ship, 1 when it is blocked (the blocking families are printed), 2 on any error. It talks to
// a running recur at RECUR_URL with RECUR_TOKEN.
import { parseArgs } from 'node:util';

const USAGE = `usage:
  recur gate --workflow W --release R [--environment E]   exit 0 pass, 1 block, 2 error
  recur families [--status S] [--workflow W]
  recur family ID
  recur related ID [--limit N]                             families like it, to merge (POST /v1/families/:id/merge) or leave
  recur replay [--dry-run] [--source S] [--state dead|stuck]  list dead and stuck inbox events and queue them again
  recur replay --id ID                                     replay one event
  recur migrate                                            apply database migrations (DATABASE_URL or the embedded database)
environment: RECUR_URL (default http://localhost:3000), RECUR_TOKEN (an API token, if the server requires one)`;

class CliError extends Error {}

async function api(path: string, post?: unknown): Promise<any> {
  const base = (process.env.RECUR_URL ?? 'http://localhost:3000').replace(/\/$/, '');
  const headers: Record<string, string> = { accept: 'application/json', ...(post === undefined ? {} : { 'content-type': 'application/json' }) };
  if (process.env.RECUR_TOKEN) headers.authorization = `Bearer ${process.env.RECUR_TOKEN}`;
  let res: Response;
  try {
    const init = post === undefined ? {} : { method: 'POST', body: JSON.stringify(post) };
    res = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CliError(`cannot reach recur at ${base}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new CliError(`recur answered ${res.status}: ${body?.error?.message ?? res.statusText}`);
  return body;
}

async function gate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { workflow: { type: 'string' }, release: { type: 'string' }, environment: { type: 'string' } } });
  if (!values.workflow || !values.release) throw new CliError('gate needs --workflow and --release');
  const query = new URLSearchParams({ release: values.release, ...(values.environment ? { environment: values.environment } : {}) });
  const answer = await api(`/v1/gates/${encodeURIComponent(values.workflow)}?${query}`);
  const e = answer.evaluators;
  console.log(`${answer.decision.toUpperCase()}: ${values.workflow} ${values.release}${values.environment ? ` (${values.environment})` : ''}`);
  console.log(`evaluators: ${e.required} required, ${e.passed} passed, ${e.failed} failed, ${e.missing} missing`);
  for (const b of answer.blocking) {
    const evaluator = b.evaluator_id ? ` evaluator ${b.evaluator_id}` : '';
    console.log(`  - [sev${b.severity}] ${b.title} (${b.reason}${evaluator})${b.ticket_url ? ` ${b.ticket_url}` : ''}`);
  }
  return answer.decision === 'pass' ? 0 : 1;
}

async function families(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { status: { type: 'string' }, workflow: { type: 'string' } } });
  const query = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const page = await api(`/v1/families?${query}`);
  for (const f of page.items) {
    console.log(`${f.id}  sev${f.severity}  ${f.status.padEnd(9)}  ${String(f.trace_count).padStart(5)} traces  ${f.workflow}: ${f.title}${f.ticket ? `  ${f.ticket.url}` : ''}`);
  }
  if (page.next_cursor) console.log('(more: use the API with cursor to page)');
  return 0;
}

async function family(args: string[]): Promise<number> {
  const [id] = args;
  if (!id) throw new CliError('family needs an ID');
  console.log(JSON.stringify(await api(`/v1/families/${encodeURIComponent(id)}`), null, 2));
  return 0;
}

async function related(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { limit: { type: 'string' } } });
  const [id] = positionals;
  if (!id) throw new CliError('related needs an ID');
  const query = values.limit ? `?${new URLSearchParams({ limit: values.limit })}` : '';
  const answer = await api(`/v1/families/${encodeURIComponent(id)}/related${query}`);
  if (answer.items.length === 0) console.log('no family like it');
  for (const f of answer.items) {
    const sources = f.other_sources ? '; reported by other sources' : '';
    console.log(`${f.id}  ${f.score.toFixed(2)}  ${f.status.padEnd(9)}  ${String(f.trace_count).padStart(5)} traces  ${f.title}  (shared: ${f.shared.join(', ')}${sources})`);
  }
  return 0;
}

/** The most ids one replay call takes (the server's bound). */
const REPLAY_BATCH = 500;

async function replay(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { id: { type: 'string' }, 'dry-run': { type: 'boolean' }, source: { type: 'string' }, state: { type: 'string' } },
  });
  if (values.id) {
    if (values['dry-run'] || values.source || values.state) throw new CliError('replay --id takes no other option');
    const item = await api(`/v1/dead-letters/${encodeURIComponent(values.id)}/replay`, {});
    console.log(`replayed ${item.event_id} (${item.source} ${item.type}), replay #${item.replays}`);
    return 0;
  }
  const filters = Object.fromEntries(Object.entries({ source: values.source, state: values.state }).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ ...filters, limit: '200', ...(cursor ? { cursor } : {}) });
    const page = await api(`/v1/dead-letters?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  if (items.length === 0) {
    console.log('nothing to replay: no dead or stuck events');
    return 0;
  }
  console.log(['EVENT ID'.padEnd(36), 'STATE'.padEnd(5), 'SOURCE'.padEnd(16), 'TYPE'.padEnd(20), 'ATTEMPTS', 'RECEIVED'.padEnd(24), 'LAST ERROR'].join('  '));
  for (const i of items) {
    const error = (i.last_error ?? '').replace(/\s+/g, ' ');
    console.log(
      [i.event_id, i.state.padEnd(5), i.source.padEnd(16), i.type.padEnd(20), String(i.attempts).padStart(8), i.received_at.padEnd(24), error.length > 60 ? `${error.slice(0, 59)}…` : error].join('  '),
    );
  }
  if (values['dry-run']) {
    console.log(`${items.length} event(s) would be replayed (dry run: nothing changed)`);
    return 0;
  }
  let replayed = 0;
  for (let i = 0; i < items.length; i += REPLAY_BATCH) {
    const answer = await api('/v1/dead-letter-replays', { ids: items.slice(i, i + REPLAY_BATCH).map((item) => item.event_id) });
    replayed += answer.replayed;
  }
  const skipped = items.length - replayed;
  console.log(`replayed ${replayed} of ${items.length} event(s)${skipped > 0 ? `; ${skipped} no longer dead or stuck` : ''}`);
  return 0;
}

async function migrate(): Promise<number> {
  const { loadConfig } = await import('../config/index.js');
  const { openDatabase } = await import('../db/client.js');
  const { env } = loadConfig();
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.RECUR_DATA_DIR });
  try {
    await database.migrate();
    console.log(`migrations applied (${database.kind})`);
  } finally {
    await database.close();
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'gate':
      return gate(rest);
    case 'families':
      return families(rest);
    case 'family':
      return family(rest);
    case 'related':
      return related(rest);
    case 'replay':
      return replay(rest);
    case 'migrate':
      return migrate();
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`recur: ${err instanceof CliError ? err.message : (err as Error)?.stack ?? err}`);
    process.exit(2);
  },
);
