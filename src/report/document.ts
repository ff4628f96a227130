// The report as a document of sections, tables and charts, written out twice: as HTML and as markdown.
import type { RenderedChart } from './render-chart.ts';

/** How a table entry reads: good (reproduced, completed), bad (diverged, failed), warn, muted (not run). */
export type Tone = 'good' | 'bad' | 'warn' | 'muted';

export interface Span {
  text: string;
  /** Relative to the report folder, or absolute. */
  href?: string;
  strong?: boolean;
  tone?: Tone;
}

export type Inline = string | Span;

export interface Table {
  /** The HTML id, so readers (and the browser test) can find it. */
  id: string;
  headers: string[];
  rows: Inline[][];
  /** Indexes of the columns holding numbers, aligned right. */
  numeric?: number[];
  /** Indexes of the columns of running text, allowed to wrap (the others stay on one line). */
  wrap?: number[];
}

export type Block =
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'table'; table: Table }
  | { kind: 'charts'; charts: RenderedChart[] }
  | { kind: 'list'; items: Inline[][] };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  /** One paragraph under the title: what the suite is. */
  lead: string;
  sections: Section[];
}

export const spanOf = (inline: Inline): Span => (typeof inline === 'string' ? { text: inline } : inline);
