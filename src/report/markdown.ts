// The report document as GitHub-flavoured markdown, charts as the PNG files beside it.
import { spanOf, type Block, type Inline, type ReportDocument, type Table } from './document.ts';

export function toMarkdown(document: ReportDocument): string {
  const parts = [`# ${document.title}`, document.lead];
  for (const section of document.sections) {
    parts.push(`## ${section.title}`);
    parts.push(...section.blocks.map(block));
  }
  return `${parts.join('\n\n')}\n`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return b.content.map(inline).join('');
    case 'table':
      return table(b.table);
    case 'charts':
      return b.charts.map((chart) => `![${escapeText(chart.caption)}](${chart.pngFile})\n\n*${escapeText(chart.caption)}* ([SVG](${chart.svgFile}))`).join('\n\n');
    case 'list':
      return b.items.map((item) => `- ${item.map(inline).join('')}`).join('\n');
  }
}

function table(t: Table): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = t.headers.map((_, c) => (t.numeric?.includes(c) ? '---:' : '---'));
  return [row(t.headers.map(escapeText)), row(rule), ...t.rows.map((cells) => row(cells.map(inline)))].join('\n');
}

function inline(value: Inline): string {
  const span = spanOf(value);
  let text = escapeText(span.text);
  if (span.href) text = `[${text}](${encodeURI(span.href)})`;
  if (!span.strong) return text;
  // Markdown's emphasis neither opens before a space nor closes after one: `**cell: **note` prints its asterisks.
  const [, leading, inner, trailing] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text)!;
  return `${leading}**${inner}**${trailing}`;
}

/** Keeps table layout and emphasis intact: pipes, newlines and markdown's inline markers escaped. */
function escapeText(text: string): string {
  return text.replace(/([\\|*_`[\]<>])/g, '\\$1').replace(/\n/g, ' ');
}
