// The pages' one stylesheet and their icon, served from this origin so the pages' CSP can forbid inline
// styles and every other source.

export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --bg: #fbfbfc; --panel: #fff; --line: #e1e4ea;
  --accent: #2f5bd3; --red: #c62828; --amber: #b26a00; --green: #2e7d32; --grey: #6b7280; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8ee; --muted: #9aa3b5; --bg: #14161b; --panel: #1b1e25; --line: #2c313b; --accent: #7ea2ff;
    --red: #ef6b6b; --amber: #f0b35a; --green: #6cc070; --grey: #9aa3b5; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: baseline; gap: 24px; padding: 12px 24px; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { font-weight: 700; font-size: 18px; letter-spacing: .5px; }
.top nav a { margin-right: 16px; text-decoration: none; }
.top nav a[aria-current="page"] { font-weight: 600; text-decoration: underline; }
main { padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 20px; margin: 8px 0 16px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
section.panel > h2:first-child { margin-top: 4px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .3px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.title { max-width: 420px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.sev-0 { color: var(--red); } .sev-1 { color: var(--amber); } .sev-2 { color: var(--accent); } .sev-3 { color: var(--grey); }
.status-regressed, .status-open { color: var(--red); } .status-fixing { color: var(--amber); }
.status-watching { color: var(--accent); } .status-resolved { color: var(--green); } .status-ignored { color: var(--grey); }
.decision-pass { color: var(--green); } .decision-block { color: var(--red); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 120px; }
.card .value { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 12px; }
.card.alert .value { color: var(--red); }
svg.spark { display: block; }
svg.spark rect.bar { fill: var(--accent); }
svg.spark rect.bar.today { fill: var(--red); }
svg.spark line.base { stroke: var(--line); }
.op { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 18px; }
.method { display: inline-block; min-width: 58px; font-weight: 700; text-transform: uppercase; }
.method-get { color: var(--green); } .method-post { color: var(--accent); } .method-patch { color: var(--amber); }
.method-delete, .method-put { color: var(--red); }
.path { font-weight: 600; }
.schema ul { margin: 2px 0; padding-left: 18px; list-style: none; border-left: 1px dotted var(--line); }
.schema li { margin: 2px 0; }
.schema .name { font-weight: 600; }
.schema .type { color: var(--muted); }
.toc { columns: 2; }
.toc li { break-inside: avoid; }
`;

export const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f5bd3"/><path d="M4 12V4h4.5a2.5 2.5 0 0 1 0 5H6m2 0 3 3" fill="none" stroke="#fff" stroke-width="1.6"/></svg>`;
