// The report document as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched, so it
// opens from file:// anywhere. Light and dark schemes follow the reader's setting; tables scroll sideways and
// charts shrink on a narrow screen.
import { spanOf, type Block, type Inline, type ReportDocument, type Table } from './document.ts';

export function toHtml(document: ReportDocument): string {
  const nav = document.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('\n');
  const sections = document.sections
    .map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map(block).join('\n')}\n</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(document.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(document.title)}</h1>
<p class="lead">${escapeHtml(document.lead)}</p>
<nav>
${nav}
</nav>
</header>
<main>
${sections}
</main>
</body>
</html>
`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${b.content.map(inline).join('')}</p>`;
    case 'table':
      return table(b.table);
    case 'charts':
      return `<div class="charts">\n${b.charts
        .map((chart) => `<figure class="chart" id="chart-${chart.name}">\n${chart.inlineSvg}\n<figcaption>${escapeHtml(chart.caption)} <a href="${escapeHtml(chart.svgFile)}">SVG</a> · <a href="${escapeHtml(chart.pngFile)}">PNG</a></figcaption>\n</figure>`)
        .join('\n')}\n</div>`;
    case 'list':
      return `<ul>\n${b.items.map((item) => `<li>${item.map(inline).join('')}</li>`).join('\n')}\n</ul>`;
  }
}

function table(t: Table): string {
  const align = (c: number) => (t.numeric?.includes(c) ? ' class="num"' : t.wrap?.includes(c) ? ' class="wrap"' : '');
  const head = t.headers.map((h, c) => `<th${align(c)}>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows.map((cells) => `<tr>${cells.map((cell, c) => `<td${align(c)}>${inline(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table id="${t.id}">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table></div>`;
}

function inline(value: Inline): string {
  const span = spanOf(value);
  let html = escapeHtml(span.text);
  if (span.href) html = `<a href="${escapeHtml(span.href)}">${html}</a>`;
  if (span.strong) html = `<strong>${html}</strong>`;
  return span.tone ? `<span class="${span.tone}">${html}</span>` : html;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Vega writes colours as SVG attributes; CSS rules override attributes, so text and grid follow the scheme.
const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --border: #d0d7de; --stripe: #f6f8fa;
  --grid: #e3e3e3; --axis: #8c959f; --link: #0969da; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --border: #30363d; --stripe: #161b22;
    --grid: #2a3038; --axis: #6e7681; --link: #4493f8; --good: #3fb950; --bad: #f85149; --warn: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem 1.25rem 3rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
.lead { color: var(--muted); margin-top: 0; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .9rem; }
a { color: var(--link); }
.scroll { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .875rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .5rem; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; white-space: nowrap; }
th { background: var(--stripe); }
td.num, th.num { text-align: right; }
td.wrap { white-space: normal; min-width: 9rem; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); } .muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); gap: 1.25rem; margin: 1rem 0; }
figure { margin: 0; max-width: 44rem; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .3rem; }
.chart text { fill: var(--fg); }
.chart .role-axis-grid line { stroke: var(--grid); }
.chart .role-axis-domain line, .chart .role-axis-tick line { stroke: var(--axis); }
@media (max-width: 40rem) { body { padding: .75rem; font-size: 14px; } th, td { padding: .25rem .4rem; } }
`;
