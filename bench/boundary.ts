// Measures the boundary classifier on a labelled set written blind to the classifier, by default
// test/fixtures/boundary_signals/boundary-set.json. Its families are split by a hash of their label into a
// tune half (rules may be adjusted by looking at it) and a report half (never looked at while tuning); both
// are reported. A set studied whole (boundary-set-2.json) is reported as one: --whole.
// Each family is classified from all its signals, and each signal alone.
// Run: npm run bench:boundary [-- --details tune]   (--details lists the tune half's families; never use it on report while tuning)
//      npm run bench:boundary -- --file test/fixtures/boundary_signals/boundary-set-2.json --whole
import { parseArgs } from 'node:util';
import { classifyBoundary, classifySignalBoundary, type BoundaryEvidence } from '../src/families/boundary.js';
import { BOUNDARIES, type Boundary } from '../src/families/types.js';
import { halfOf, loadLabelledSignals, type Half } from './boundary_sets.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: 'test/fixtures/boundary_signals/boundary-set.json' },
    details: { type: 'string' },
    whole: { type: 'boolean', default: false },
  },
});

interface FamilyResult {
  label: string;
  half: Half;
  accepted: Boundary[];
  signals: BoundaryEvidence[];
  decided: Boundary;
  confidence: number;
  reasons: string[];
  /** Each signal classified alone. */
  alone: Boundary[];
  /** Each signal classified alone by the rules, without the words' guess. */
  aloneByRules: Boundary[];
}

function load(path: string): FamilyResult[] {
  const { signals: labelled, families } = loadLabelledSignals(path);
  const bySignal = new Map<string, BoundaryEvidence[]>();
  for (const s of labelled) {
    const list = bySignal.get(s.label) ?? [];
    list.push(s.evidence);
    bySignal.set(s.label, list);
  }
  return Object.entries(families).map(([label, family]) => {
    const signals = bySignal.get(label) ?? [];
    const decision = classifyBoundary(signals);
    return {
      label,
      half: halfOf(label),
      accepted: family.accepted,
      signals,
      decided: decision.boundary,
      confidence: decision.confidence,
      reasons: decision.reasons,
      alone: signals.map((s) => classifySignalBoundary(s).boundary),
      aloneByRules: signals.map((s) => classifySignalBoundary(s, [], { words: false }).boundary),
    };
  });
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function summarize(name: string, families: readonly FamilyResult[]): string[] {
  const signals = families.reduce((n, f) => n + f.signals.length, 0);
  const inAccepted = families.filter((f) => f.accepted.includes(f.decided)).reduce((n, f) => n + f.signals.length, 0);
  const inUnknown = families.filter((f) => f.decided === 'unknown').reduce((n, f) => n + f.signals.length, 0);
  const familiesAccepted = families.filter((f) => f.accepted.includes(f.decided)).length;
  const aloneAccepted = families.reduce((n, f) => n + f.alone.filter((b) => f.accepted.includes(b)).length, 0);
  const aloneUnknown = families.reduce((n, f) => n + f.alone.filter((b) => b === 'unknown').length, 0);
  const rulesAccepted = families.reduce((n, f) => n + f.aloneByRules.filter((b) => f.accepted.includes(b)).length, 0);
  const rulesUnknown = families.reduce((n, f) => n + f.aloneByRules.filter((b) => b === 'unknown').length, 0);
  return [
    `| ${name} | ${families.length} | ${signals} | ${pct(inAccepted, signals)} | ${pct(inUnknown, signals)} | ${familiesAccepted}/${families.length} | ${pct(aloneAccepted, signals)} | ${pct(aloneUnknown, signals)} | ${pct(rulesAccepted, signals)} / ${pct(rulesUnknown, signals)} |`,
  ];
}

/** Rows: decided boundary; columns: the family's first accepted boundary; cells: families (signals). */
function confusion(name: string, families: readonly FamilyResult[]): string[] {
  const labels = [...BOUNDARIES];
  const cell = new Map<string, { families: number; signals: number }>();
  for (const f of families) {
    const key = `${f.decided}\u0000${f.accepted[0]}`;
    const seen = cell.get(key) ?? { families: 0, signals: 0 };
    cell.set(key, { families: seen.families + 1, signals: seen.signals + f.signals.length });
  }
  const columns = labels.filter((l) => l !== 'unknown');
  const lines = [`${name}: rows decided, columns first accepted; families (signals)`, '', `| decided \\ accepted | ${columns.join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`];
  for (const row of labels) {
    const cells = columns.map((col) => {
      const c = cell.get(`${row}\u0000${col}`);
      return c ? `${c.families} (${c.signals})` : '.';
    });
    if (cells.every((c) => c === '.')) continue;
    lines.push(`| ${row} | ${cells.join(' | ')} |`);
  }
  return lines;
}

const results = load(values.file);
const tune = results.filter((f) => f.half === 'tune');
const report = results.filter((f) => f.half === 'report');
const halves = values.whole ? [] : ([['tune', tune], ['report', report]] as const);

const out: string[] = [
  '| half | families | signals | signals in a family decided acceptably | signals in a family decided unknown | families decided acceptably | signals alone acceptable | signals alone unknown | signals alone by the rules only: acceptable / unknown |',
  '|---|---|---|---|---|---|---|---|---|',
  ...halves.flatMap(([name, families]) => summarize(name, families)),
  ...summarize('all', results),
  ...halves.flatMap(([name, families]) => ['', ...confusion(name, families)]),
  '',
  ...confusion('all', results),
];
if (values.details !== undefined) {
  const shown = values.details === 'all' ? results : results.filter((f) => f.half === values.details);
  out.push('', `families of ${values.details}:`);
  for (const f of [...shown].sort((a, b) => Number(a.accepted.includes(a.decided)) - Number(b.accepted.includes(b.decided)) || a.label.localeCompare(b.label))) {
    const ok = f.accepted.includes(f.decided) ? 'ok  ' : 'MISS';
    out.push(`${ok} ${f.label}: decided ${f.decided} (${f.confidence}), accepted ${f.accepted.join('/')}; alone ${f.alone.join(',')}`);
    for (const r of f.reasons) out.push(`       ${r}`);
  }
}
console.log(out.join('\n'));
