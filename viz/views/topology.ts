import { formatDuration } from '../../sim/core/time.ts';
import type { JsonValue } from '../../sim/core/trace.ts';
import type { NatReplay, NatTableState } from '../model/nat-state.ts';
import type { PackedTrace } from '../model/packed.ts';
import { addressTiesAt, tieRowText, type AddressTieGroup } from '../model/address-ties.ts';
import { tr, trf, type UiKey } from '../i18n.ts';
import { clear, el, emptyState } from './dom.ts';

/**
 * Topology: the nodes in ladder order with their addresses and links, and for every NAT its mapping table as it
 * stands at the cursor — rebuilt from nat.* notes by NatReplay, so stepping back shows the table as it was.
 */
export class TopologyPanel {
  readonly root: HTMLElement;

  constructor(host: HTMLElement) {
    this.root = el('div', { class: 'topology', 'data-testid': 'topology' });
    host.append(this.root);
  }

  render(p: PackedTrace, replay: NatReplay, t: number): void {
    clear(this.root);
    const nodes = el('div', { class: 'topo-nodes' });
    for (const name of p.lanes) {
      const n = p.nodes.find((x) => x.name === name);
      const links = p.links.filter((l) => l.a === name || l.b === name).map((l) => `${l.name} (${l.a === name ? l.b : l.a}${delayOf(l.details)})`);
      nodes.append(
        el(
          'div',
          { class: `topo-node kind-${n?.kind ?? 'host'}` },
          el('strong', {}, name),
          el('span', { class: 'muted' }, ` ${n?.kind ?? ''}`),
          el('div', { class: 'addr' }, (n?.addresses ?? []).join(', ')),
          links.length ? el('div', { class: 'muted small' }, links.join(' · ')) : '',
        ),
      );
    }
    this.root.append(nodes);
    const ties = addressTiesAt(p.notes, t);
    if (ties.length) this.root.append(tiesBox(ties));
    const tables = replay.at(t);
    if (tables.length === 0) {
      if (ties.length) return;
      this.root.append(emptyState(tr('noNat'), tr('noNatBody')));
      return;
    }
    for (const tb of tables) this.root.append(natTable(tb, t));
  }
}

/** A capture's inferred address ties at the cursor, grouped and chained as `rtclab dissect --summary` prints them. */
function tiesBox(groups: readonly AddressTieGroup[]): HTMLElement {
  const box = el('div', { class: 'address-ties', 'data-testid': 'address-ties' }, el('h3', {}, 'Addresses tied together (inferred from the capture)'));
  for (const g of groups) {
    const list = el('ul', { class: 'small' });
    for (const row of g.rows) list.append(el('li', { 'data-evidence': g.evidence, title: row.map((x) => x.note.text).join('\n') }, tieRowText(row)));
    box.append(el('div', { class: 'muted small' }, g.heading), list);
  }
  return box;
}

function delayOf(d: { [key: string]: JsonValue } | undefined): string {
  const v = d?.delay;
  return typeof v === 'number' ? `, ${formatDuration(v)}` : '';
}

/** RFC 5382 REQ-5's timeouts, as a tooltip on each TCP connection's phase. */
const TCP_PHASE_TITLE: Readonly<Record<string, UiKey>> = {
  opening: 'ttTcpOpening',
  established: 'ttTcpEstablished',
  closing: 'ttTcpClosing',
  reset: 'ttTcpReset',
};

function natTable(tb: NatTableState, t: number): HTMLElement {
  const d = tb.details;
  const desc = [d.preset, d.mapping ? `${String(d.mapping)} mapping` : '', d.filtering ? `${String(d.filtering)} filtering` : '', d.hairpinning === false ? 'no hairpinning' : d.hairpinning ? 'hairpinning' : '']
    .filter((x) => x !== undefined && x !== '')
    .map(String)
    .join(' · ');
  const box = el('div', { class: 'nat-table', 'data-nat': tb.nat, 'data-testid': `nat-table-${tb.nat}` });
  box.append(el('h3', {}, trf('natTableAt', { nat: tb.nat, t: formatDuration(Math.round(t)) })), el('div', { class: 'muted small' }, desc));
  const c = tb.counters;
  box.append(el('div', { class: 'small' }, trf('natCounters', { created: c.created, expired: c.expired, filtered: c.filtered, noMapping: c.noMapping, hairpin: c.hairpin })));
  if (tb.mappings.length === 0) {
    box.append(el('p', { class: 'empty-row', 'data-testid': 'nat-empty' }, tr('noMappings')));
    return box;
  }
  // one mapping on two lines: the translation whole (an address never breaks inside itself), then its state
  const table = el('table', { class: 'nat-mappings' });
  table.append(el('tr', {}, el('th', { title: tr('ttNatProto') }, tr('thProto')), el('th', {}, tr('thPair')), el('th', {}, tr('thExpires'))));
  for (const m of tb.mappings) {
    const bound = m.boundTo ?? 'any (EIM)';
    table.append(
      el(
        'tr',
        { 'data-mapping': String(m.id), 'data-protocol': m.protocol, class: 'nat-map' },
        el('td', { class: 'nat-proto' }, m.protocol.toUpperCase()),
        el('td', { class: 'nat-pair' }, el('span', { class: 'addr' }, m.internal), ' ⇄ ', el('span', { class: 'addr ext' }, m.external)),
        el('td', { title: trf('ttExpiresAt', { t: formatDuration(m.expires) }) }, formatDuration(Math.max(0, Math.round(m.expires - t)))),
      ),
      el(
        'tr',
        { class: 'nat-map-more' },
        el(
          'td',
          { colspan: '3', class: 'muted' },
          el('span', { title: tr('ttBoundTo') }, tr('boundTo')),
          el('span', { class: 'addr' }, bound),
          tr('sentTo'),
          ...m.remotes.flatMap((r, i) => [i > 0 ? ', ' : '', el('span', { class: 'addr' }, r)]),
          ` · ${m.replied ? tr('replied') : tr('notReplied')}`,
          // RFC 5382 §5: each TCP connection's phase and the idle timeout it gives the mapping
          ...(m.tcp ?? []).map((c) => el('span', { class: 'nat-tcp', 'data-tcp-phase': c.phase, title: TCP_PHASE_TITLE[c.phase] ? tr(TCP_PHASE_TITLE[c.phase]!) : '' }, trf('natTcp', { phase: c.phase, remote: c.remote, what: c.phase === 'reset' ? tr('natTcpReset') : trf(c.phase === 'established' ? 'natTcpIdle' : 'natTcpTransitory', { t: formatDuration(c.timeout) }) }))),
        ),
      ),
    );
  }
  box.append(table);
  return box;
}
