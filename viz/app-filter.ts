import type { FollowKind } from '../sim/dissect/follow/follow.ts';
import { tr } from './i18n.ts';
import type { Response } from './protocol.ts';
import type { FollowPanel } from './views/follow-panel.ts';
import type { Ladder } from './views/ladder.ts';
import type { ListFilter, PacketList } from './views/packet-list.ts';
import type { RequestBody } from './worker-client.ts';

/** What the list's queries need of the page. */
export interface FilterHost {
  readonly list: PacketList;
  readonly ladder: Ladder;
  readonly followPanel: FollowPanel;
  readonly selected: number;
  call(body: RequestBody): Promise<Response>;
  select(i: number, reveal: boolean): void;
  saveUrl(): void;
}

/**
 * The packet list's questions to the worker: its filters (protocol, host, text and the display filter), a field
 * column's values, and Follow stream on the selected hop.
 */
export class ListQueries {
  constructor(private readonly host: FilterHost) {}

  /** The list's filters applied in the worker; the hops kept (null: all), undefined when the filter was refused. */
  async filter(f: ListFilter): Promise<Int32Array | null | undefined> {
    const h = this.host;
    const r = await h.call({ type: 'filter', proto: f.proto, host: f.host, text: f.text, display: f.display });
    if (r.type !== 'filtered') return undefined;
    h.list.setFilterError(r.error);
    if (r.error) return undefined;
    h.list.setIndices(r.indices);
    h.saveUrl();
    return r.indices;
  }

  /** A display filter as if typed (a stream's row, the address bar); `selectFirst`: the first hop it keeps is selected. */
  async showFilter(text: string, selectFirst: boolean): Promise<boolean> {
    const h = this.host;
    if (!h.list.setDisplay(text)) return false;
    const kept = await this.filter(h.list.currentFilter());
    const first = kept?.[0];
    if (selectFirst && first !== undefined) {
      h.select(first, true);
      h.ladder.frame(first);
    }
    h.saveUrl();
    return kept !== undefined;
  }

  /** Follow stream on the selected hop (the panel says so when none is selected). */
  async follow(kind: string): Promise<void> {
    const h = this.host;
    if (h.selected < 0) return h.followPanel.show({ error: tr('fwSelectFirst') });
    const r = await h.call({ type: 'follow', hop: h.selected, kind: kind as FollowKind | 'auto' });
    if (r.type === 'follow') h.followPanel.show(r.result);
  }

  /** A field column's values for every hop, from the worker. */
  async column(field: string): Promise<void> {
    const r = await this.host.call({ type: 'column', field });
    if (r.type === 'column') this.host.list.setFieldValues(r.field, r.values);
    this.host.saveUrl();
  }
}
