import type { Note, Secret } from '../../sim/core/trace.ts';
import { dtlsStateAt } from '../model/dtls-state.ts';
import { iceStateAt } from '../model/ice-state.ts';
import { hasFamily } from '../model/note-state.ts';
import type { SrtpStreamTable } from '../model/srtp-streams.ts';
import { dtlsPanel } from './dtls-panel.ts';
import { srtpKeysPanel, srtpStreamsPanel } from './srtp-panel.ts';
import { icePanel } from './ice-panel.ts';
import { tr, trf, type UiKey } from '../i18n.ts';
import { clear, el, emptyState } from './dom.ts';
import { EventList } from './event-list.ts';

interface Family {
  readonly prefix: string;
  readonly title: string;
  readonly absent: UiKey;
  readonly before: UiKey;
}

/** The families the panels know; any other note kinds still show in the event log. */
const FAMILIES: readonly Family[] = [
  {
    prefix: 'ice.',
    title: 'ICE',
    absent: 'iceAbsent',
    before: 'iceBefore',
  },
  {
    prefix: 'dtls.',
    title: 'DTLS',
    absent: 'dtlsAbsent',
    before: 'dtlsBefore',
  },
  {
    prefix: 'srtp.',
    title: 'SRTP',
    absent: 'srtpAbsent',
    before: 'srtpBefore',
  },
];

/**
 * State panels at the cursor: ICE per agent, DTLS and SRTP per endpoint, each rebuilt from the notes (and the
 * trace's secrets) up to the cursor, so stepping back shows the earlier state, not just a moved cursor.
 */
export class StatePanels {
  readonly root: HTMLElement;
  private secrets: readonly Secret[] = [];
  private streams: SrtpStreamTable | undefined;

  /** Every note, filterable, below the panels (kept across renders: its filter keeps its text and focus). */
  readonly events: EventList;

  constructor(host: HTMLElement, showNote: (note: number) => void = () => undefined) {
    this.root = el('div', { class: 'state-panels' });
    host.append(this.root);
    this.events = new EventList(host, showNote);
  }

  /** The trace's secrets (kind 'srtp' lines carry the exported keys the SRTP panel shows). */
  setSecrets(secrets: readonly Secret[]): void {
    this.secrets = secrets;
  }

  /** Per-stream SRTP counters of the loaded trace (undefined while the worker is still counting). */
  setSrtpStreams(table: SrtpStreamTable | undefined): void {
    this.streams = table;
  }

  render(notes: readonly Note[], t: number, secrets?: readonly Secret[]): void {
    if (secrets) this.secrets = secrets;
    clear(this.root);
    const [ice, dtls, srtp] = FAMILIES as [Family, Family, Family];
    const agents = iceStateAt(notes, t);
    this.root.append(panel(ice, notes, agents.map(icePanel)));
    const endpoints = dtlsStateAt(notes, this.secrets, t);
    const withHandshake = endpoints.filter((e) => e.state !== 'new' || e.flights.length > 0);
    this.root.append(panel(dtls, notes, withHandshake.map(dtlsPanel)));
    const keys = endpoints.flatMap((e) => (e.srtp ? [srtpKeysPanel(e.source, e.srtp)] : []));
    const streams = this.streams?.streams.length ? [srtpStreamsPanel(this.streams, t)] : [];
    // a capture has no srtp.* notes: its streams come from the packets, and they count as SRTP being present
    const present = hasFamily(notes, srtp.prefix) || streams.length > 0;
    this.root.append(panel(srtp, notes, [...keys, ...streams], present));
    this.events.render(notes, t);
  }
}

function panel(f: Family, notes: readonly Note[], body: readonly HTMLElement[], present = hasFamily(notes, f.prefix)): HTMLElement {
  const box = el('section', { class: 'state-panel', 'data-testid': `panel-${f.title.toLowerCase()}` }, el('h3', {}, f.title));
  if (!present) box.append(emptyState(trf('noFamily', { what: f.title }), tr(f.absent)));
  else if (body.length === 0) box.append(emptyState(trf('familyNotYet', { what: f.title }), tr(f.before)));
  else box.append(...body);
  return box;
}

