import './views/compare-relations.css';
import type { PackedTrace } from './model/packed.ts';
import type { Relation } from './model/relations.ts';
import { relationText } from './i18n-ladder.ts';
import type { Response } from './protocol.ts';
import type { PacketDetail } from './views/detail.ts';
import { i18nAttrs, onLang, tr } from './i18n.ts';
import { el } from './views/dom.ts';
import type { Ladder } from './views/ladder.ts';
import { RelationLayer } from './views/relation-layer.ts';

/** What the app lends the cause-and-effect links. */
export interface RelationsHost {
  call(body: { type: 'relations' }): Promise<Response>;
  readonly ladder: Ladder;
  readonly detail: PacketDetail;
  select(i: number, reveal: boolean): void;
}

/** The detail pane's list for one hop of a trace: each relation read from this hop's end, earliest first. */
export function relationItems(layer: RelationLayer, hop: number): { text: string; hop: number; kind: string }[] {
  return layer
    .of(hop)
    .map(({ relation, side }) => ({ text: relationText(relation, side), hop: side === 'effect' ? relation.cause : relation.effect, kind: relation.kind }))
    .sort((a, b) => a.hop - b.hop);
}

/**
 * Cause-and-effect links for the loaded trace: asked of the worker once the trace is drawn (they need a dissection
 * pass), drawn on the ladder for the selected packet — or for every packet in view with the "all links" toggle (l) —
 * and listed in the packet detail.
 */
export class RelationsUi {
  readonly layer = new RelationLayer();
  private ask = 0;
  private p: PackedTrace | undefined;
  private selected = -1;
  /** Resolves once the loaded trace's relations have arrived (tests and compare mode wait on it). */
  ready: Promise<void> = Promise.resolve();
  private readonly toggle: HTMLInputElement;

  constructor(private readonly host: RelationsHost) {
    host.ladder.overlays.push((g, v) => this.layer.draw(g, v));
    this.toggle = el('input', { type: 'checkbox', 'data-testid': 'links-all' });
    this.toggle.addEventListener('change', () => this.setShowAll(this.toggle.checked));
    const label = el('label', i18nAttrs({ title: 'ttAllLinks' }), this.toggle, tr('allLinks'));
    document.getElementById('fit')?.after(label);
    onLang(() => label.lastChild && (label.lastChild.textContent = tr('allLinks')));
    window.addEventListener('keydown', (e) => {
      if (e.key !== 'l' || e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement).closest('input, textarea, select')) return;
      this.setShowAll(!this.layer.showAll);
      e.preventDefault();
    });
  }

  setShowAll(on: boolean): void {
    this.layer.showAll = on;
    this.toggle.checked = on;
    this.host.ladder.schedule();
  }

  /** A new trace is on the ladder: its relations are asked for (the answer may come after another trace). */
  loaded(p: PackedTrace): void {
    const ask = ++this.ask;
    this.p = p;
    this.selected = -1;
    this.layer.set(p, []);
    this.ready = this.host.call({ type: 'relations' }).then((r) => {
      if (ask !== this.ask || r.type !== 'relations') return;
      this.layer.set(p, r.relations);
      this.host.ladder.schedule();
      if (this.selected >= 0) this.show(this.selected);
    });
  }

  get relations(): readonly Relation[] {
    return this.layer.relations;
  }

  /** The selected hop changed: list its relations in the detail pane. */
  show(i: number): void {
    this.selected = i;
    if (!this.p || i < 0) return;
    this.host.detail.showRelations(relationItems(this.layer, i), (hop) => this.host.select(hop, true));
  }
}
