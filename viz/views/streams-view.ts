import type { StreamReport } from '../../sim/stats/report.ts';
import { trf } from '../i18n.ts';
import { el } from './dom.ts';

/** The display filter that selects one RTP stream's packets: its SSRC and its 5-tuple (tshark's field names). */
export function streamFilter(s: Pick<StreamReport, 'ssrc' | 'src' | 'dst'>): string {
  const split = (a: string): [string, string] => {
    const i = a.lastIndexOf(':');
    return [a.slice(0, i).replace(/^\[|\]$/g, ''), a.slice(i + 1)];
  };
  const [sa, sp] = split(s.src);
  const [da, dp] = split(s.dst);
  const ip = sa.includes(':') ? 'ipv6' : 'ip';
  return `rtp.ssrc == ${s.ssrc} && ${ip}.src == ${sa} && udp.srcport == ${sp} && ${ip}.dst == ${da} && udp.dstport == ${dp}`;
}

const ms = (v: number): string => v.toFixed(3);

/**
 * Wireshark's RTP Streams window (`tshark -z rtp,streams`) from sim/stats: per stream its addresses, SSRC, payload,
 * packets, lost, max delta, jitter (max and mean), sequence errors, and the rest Wireshark's analysis adds. A row
 * applies the stream's display filter to the list and selects its first packet.
 */
export function renderStreams(streams: readonly StreamReport[] | undefined, show: (filter: string) => void): HTMLElement {
  const root = el('div', { class: 'streams-view', 'data-testid': 'streams-view' });
  if (!streams) {
    root.append(el('p', { class: 'muted' }, 'No statistics for this trace (it has no packet bytes).'));
    return root;
  }
  if (streams.length === 0) {
    root.append(el('p', { class: 'muted' }, 'No RTP stream in this trace.'));
    return root;
  }
  const head = ['Src addr', 'Src port', 'Dst addr', 'Dst port', 'SSRC', 'Payload', 'Pkts', 'Lost', 'Max Delta (ms)', 'Max Jitter (ms)', 'Mean Jitter (ms)', 'Seq err', 'Problem?'];
  const table = el('table', { class: 'streams-table' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))));
  const body = el('tbody', {});
  for (const s of streams) {
    const [sa, sp] = [s.src.slice(0, s.src.lastIndexOf(':')), s.src.slice(s.src.lastIndexOf(':') + 1)];
    const [da, dp] = [s.dst.slice(0, s.dst.lastIndexOf(':')), s.dst.slice(s.dst.lastIndexOf(':') + 1)];
    const a = s.analysis;
    const payload = s.payloadTypes.map((p) => (p.codec ? `${p.codec}` : `PT ${p.pt}`)).join(', ') || s.codec;
    const problem = a.lost > 0 || a.sequenceErrors > 0 || a.duplicates > 0 || a.outOfOrder > 0;
    const cells = [sa, sp, da, dp, s.ssrc, `${payload}${s.srtp ? ' (SRTP)' : ''}${s.vantage ? ` @${s.vantage}` : ''}`, String(a.packets), `${a.lost} (${a.lostPercent.toFixed(1)}%)`, ms(a.maxDeltaMs), ms(a.maxJitterMs), ms(a.meanJitterMs), String(a.sequenceErrors), problem ? 'X' : ''];
    const filter = streamFilter(s);
    const tr = el('tr', { class: `stream-row${problem ? ' problem' : ''}`, 'data-testid': 'stream-row', 'data-ssrc': s.ssrc, title: trf('ttStream', { filter }) }, ...cells.map((c) => el('td', {}, c)));
    tr.addEventListener('click', () => show(filter));
    body.append(tr);
  }
  table.append(body);
  root.append(el('p', { class: 'muted' }, 'As tshark -z rtp,streams counts them (jitter per RFC 3550 §6.4.1 at the payload clock rate). Click a stream: its display filter applies to the list and its first packet is selected.'), table);
  return root;
}
