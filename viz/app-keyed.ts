import { KeyedLabels } from './model/keyed-labels.ts';
import type { LabelCache } from './model/labels.ts';
import type { Response } from './protocol.ts';
import type { RequestBody } from './worker-client.ts';

/** What the keyed requests need from the app: the worker, the loaded labels, and the views to redraw. */
export interface KeyedHost {
  labels(): LabelCache | undefined;
  selected(): number;
  call(body: RequestBody): Promise<Response>;
  /** The keyed summaries came in: the list and the ladder redraw. */
  relabelled(): void;
  /** Hop i's keyed dissection came in while it is selected: the detail and its relations show it. */
  showDetail(i: number): void;
}

/**
 * What the page asks of the worker's keyed dissection (a capture's key log, or a simulated run's own key log) after a
 * trace is loaded: the hops' keyed summaries, and the selected hop's detail as dissected with its flow's state.
 */
export class KeyedRequests {
  /** Resolves when the loaded trace's keyed summaries are in (tests wait on it). */
  labelOverrides: Promise<void> = Promise.resolve();

  constructor(private readonly app: KeyedHost) {}

  /** A trace was loaded with these labels: its keyed summaries are asked for. */
  loaded(labels: LabelCache): void {
    this.labelOverrides = this.requestLabelOverrides(labels);
  }

  private async requestLabelOverrides(labels: LabelCache): Promise<void> {
    const r = await this.app.call({ type: 'label-overrides' });
    if (r.type !== 'label-overrides' || this.app.labels() !== labels || !labels.setOverrides(r.overrides)) return;
    this.app.relabelled();
  }

  /** Hop i was selected: its keyed dissection is asked for unless the labels have it already. */
  async select(i: number): Promise<void> {
    const labels = this.app.labels();
    if (!(labels instanceof KeyedLabels) || labels.has(i)) return;
    const r = await this.app.call({ type: 'keyed-packet', hop: i });
    if (r.type !== 'keyed-packet' || !r.packet || this.app.labels() !== labels) return;
    labels.set(i, r.packet);
    if (this.app.selected() === i) this.app.showDetail(i);
  }
}
