// A family's recurrence as a tiny inline SVG bar chart: one bar per day, oldest first, today last.
import { html } from 'hono/html';
import type { Html } from './layout.js';

const BAR = 5;
const GAP = 2;
const HEIGHT = 24;

/** Bar heights in pixels: scaled to the busiest day, and never invisible for a day that had any. */
export function barHeights(counts: readonly number[], height = HEIGHT): number[] {
  const max = Math.max(0, ...counts);
  return counts.map((n) => (n <= 0 || max === 0 ? 0 : Math.max(2, Math.round((n / max) * height))));
}

export function renderSparkline(counts: readonly number[]): Html {
  const width = counts.length * (BAR + GAP) - GAP;
  const heights = barHeights(counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const label = `${total} occurrences in the last ${counts.length} days; per day, oldest first: ${counts.join(', ')}`;
  return html`<svg class="spark" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg"><title>${label}</title><line class="base" x1="0" y1="${HEIGHT - 0.5}" x2="${width}" y2="${HEIGHT - 0.5}"/>${heights.map((h, i) =>
    h === 0 ? '' : html`<rect class="bar${i === counts.length - 1 ? ' today' : ''}" x="${i * (BAR + GAP)}" y="${HEIGHT - h}" width="${BAR}" height="${h}"/>`,
  )}</svg>`;
}
