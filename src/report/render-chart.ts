// Vega-Lite spec -> SVG (vega's headless renderer, no browser or canvas) -> PNG (sharp).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from './charts.ts';

export interface RenderedChart {
  name: string;
  caption: string;
  /** For inlining in HTML: transparent background, ids prefixed so that several charts share one page. */
  inlineSvg: string;
  /** Relative to the report folder. */
  svgFile: string;
  pngFile: string;
}

export const CHARTS_FOLDER = 'charts';

/** Renders `chart` and writes charts/<name>.svg and .png (white background) under `reportDir`. */
export async function renderChart(chart: ChartSpec, reportDir: string): Promise<RenderedChart> {
  const view = new vega.View(vega.parse(compile(chart.spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    const standalone = await view.background('white').toSVG();
    const inline = await view.background('transparent').toSVG();
    const svgFile = join(CHARTS_FOLDER, `${chart.name}.svg`);
    const pngFile = join(CHARTS_FOLDER, `${chart.name}.png`);
    await mkdir(join(reportDir, CHARTS_FOLDER), { recursive: true });
    await writeFile(join(reportDir, svgFile), standalone);
    await writeFile(join(reportDir, pngFile), await sharp(Buffer.from(standalone), { density: 144 }).png().toBuffer());
    return { name: chart.name, caption: chart.caption, inlineSvg: prefixIds(inline, chart.name), svgFile, pngFile };
  } finally {
    view.finalize();
  }
}

/** Vega numbers its clip paths from 1 in every SVG: make the ids unique to the chart. */
function prefixIds(svg: string, name: string): string {
  const prefix = name.replace(/[^A-Za-z0-9-]/g, '-');
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`);
}
