// bench:mask: what grouping costs on hostile texts. Every signal's message (up to 20,000 characters) is
// masked and read for features inside the worker's processing transaction, so a pattern that backtracks
// (a variable-length lookbehind tried back from every position, a nested quantifier) turns one crafted
// signal into seconds of worker time. Each hostile text is timed at 2,500 and at 20,000 characters: work
// that grows with the length grows 8x, quadratic work 64x.
//   npm run bench:mask [-- --rounds 5]
import { parseArgs } from 'node:util';
import { signalFeatures } from '../src/families/grouping/features.js';
import { maskText } from '../src/families/grouping/mask.js';
import { percentile } from './bench_processes.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

/** Hostile texts of about n characters: long runs where a pattern's optional parts could be tried again and again. */
const HOSTILE: Record<string, (n: number) => string> = {
  'spaces after a keyword': (n) => `error${' '.repeat(n)}x`,
  'separators after a keyword': (n) => `code${':'.repeat(n)}1`,
  'plain spaces': (n) => `x${' '.repeat(n)}x`,
  'repeated keyword': (n) => 'error '.repeat(n / 6),
  'an unclosed quote': (n) => `KeyError: '${'a'.repeat(n)}`,
  'a quoted name, then spaces': (n) => `column "region"${' '.repeat(n)}`,
  'digits after a keyword': (n) => `error ${'1'.repeat(n)}`,
  'exception names': (n) => 'HttpError'.repeat(n / 9),
  'a long path': (n) => `GET /${'a/'.repeat(n / 2)} 404`,
  'dotted numbers': (n) => '1.'.repeat(n / 2),
  'ids and hyphens': (n) => 'a-1_'.repeat(n / 4),
  'an endless url': (n) => `https://x.com/${'a'.repeat(n)}`,
};

function time(text: string): number {
  const runs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    maskText(text);
    signalFeatures({ title: text.slice(0, 1000), message: text });
    runs.push(performance.now() - t0);
  }
  return percentile(runs, 50);
}

const rows = Object.entries(HOSTILE).map(([name, make]) => {
  const short = time(make(2_500));
  const long = time(make(20_000));
  return { text: name, ms_at_2500: Number(short.toFixed(2)), ms_at_20000: Number(long.toFixed(2)), growth: Number((long / Math.max(short, 0.05)).toFixed(1)) };
});
console.table(rows);
// Under a millisecond the clock's noise is the growth: only a slow long text counts.
const worst = rows.reduce((a, b) => (b.ms_at_20000 > a.ms_at_20000 ? b : a));
const failed = rows.filter((r) => r.ms_at_20000 > 50 && r.growth > 16);
console.log(`slowest at 20,000 characters: ${worst.text}, ${worst.ms_at_20000} ms (target: under 50 ms, or growth at most 16x): ${failed.length === 0 ? 'PASS' : `FAIL (${failed.map((r) => r.text).join(', ')})`}`);
if (failed.length > 0) process.exitCode = 1;
