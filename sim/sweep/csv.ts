import { paramText, type Aggregate } from './aggregate.ts';

/**
 * A sweep's aggregate as CSV for spreadsheets and plotting tools: one row per combination, the grid's values, then
 * plain numbers (rates as fractions 0..1, times in ms, empty when there is no value) rather than the table's text.
 */
export const CSV_COLUMNS = ['runs', 'connected', 'failed', 'errors', 'success', 'success_low', 'success_high', 'ice_median_ms', 'ice_mean_ms', 'ice_low_ms', 'ice_high_ms', 'call_median_ms', 'media_loss', 'media_loss_low', 'media_loss_high', 'top_pair', 'top_pair_runs'] as const;

// RFC 4180 §2: a field with a comma, a quote or a line break is quoted, its quotes doubled
const cell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const n = (x: number | undefined, scale = 1): string => (x === undefined ? '' : String(Math.round(x * scale * 1e6) / 1e6));

export function aggregateCsv(a: Aggregate, paths: readonly string[]): string {
  const rows = a.rows.map((r) => [
    ...paths.map((p) => paramText(r.params[p])),
    String(r.runs),
    String(r.connected),
    String(r.failed),
    String(r.errors),
    n(r.success.value),
    n(r.success.low),
    n(r.success.high),
    n(r.iceMedian, 1e-3),
    n(r.ice?.value, 1e-3),
    n(r.ice?.low, 1e-3),
    n(r.ice?.high, 1e-3),
    n(r.callMedian, 1e-3),
    n(r.mediaLoss?.value),
    n(r.mediaLoss === undefined ? undefined : Math.max(0, r.mediaLoss.low)),
    n(r.mediaLoss?.high),
    r.pairs[0]?.pair ?? '',
    r.pairs[0] ? String(r.pairs[0].runs) : '',
  ]);
  return [[...paths, ...CSV_COLUMNS], ...rows].map((cs) => cs.map(cell).join(',')).join('\r\n') + '\r\n';
}
