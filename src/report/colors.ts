// One colour per policy in every chart (Okabe-Ito, distinguishable with the common colour-vision deficiencies);
// several series of one policy in a chart get shades of that colour.
import { POLICY_NAMES } from '../schedules/index.ts';
import type { CellGroup } from './series.ts';

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
const UNKNOWN_POLICY = '#999999';

export function policyColor(policy: string): string {
  const index = POLICY_NAMES.indexOf(policy as (typeof POLICY_NAMES)[number]);
  return index >= 0 ? PALETTE[index % PALETTE.length]! : UNKNOWN_POLICY;
}

/** Series label -> colour for a group's charts: the policy's colour, then darker and lighter shades of it. */
export function seriesColors(group: CellGroup): Map<string, string> {
  const seen = new Map<string, number>();
  const colors = new Map<string, string>();
  for (const series of group.series) {
    const nth = seen.get(series.policy) ?? 0;
    seen.set(series.policy, nth + 1);
    colors.set(series.label, shade(policyColor(series.policy), SHADES[nth % SHADES.length]!));
  }
  return colors;
}

/** Mix toward black (< 0) or white (> 0). */
const SHADES = [0, -0.35, 0.4, -0.6, 0.65];

function shade(hex: string, amount: number): string {
  const target = amount < 0 ? 0 : 255;
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${channels.map((c) => Math.round(c + (target - c) * Math.abs(amount)).toString(16).padStart(2, '0')).join('')}`;
}
