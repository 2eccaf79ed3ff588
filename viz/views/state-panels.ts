import { formatDuration } from '../../sim/core/time.ts';
import type { Note } from '../../sim/core/trace.ts';
import { familyRows, hasFamily } from '../model/note-state.ts';
import { clear, el, emptyState } from './dom.ts';

interface Family {
  readonly prefix: string;
  readonly title: string;
  readonly absent: string;
  readonly before: string;
}

/** The families the panels know; any other note kinds still show in the event log. */
const FAMILIES: readonly Family[] = [
  {
    prefix: 'ice.',
    title: 'ICE',
    absent: 'No ICE agent in this scenario. When a scenario has WebRTC peers, each agent’s candidates, its checklist of candidate pairs with their states (waiting → in-progress → succeeded/failed), the nominated and selected pair appear here, from ice.* notes.',
    before: 'ICE has not started yet at this moment: step forward to the first ice.* event.',
  },
  {
    prefix: 'dtls.',
    title: 'DTLS',
    absent: 'No DTLS in this scenario. With WebRTC peers, each handshake flight sent, received and retransmitted, the certificates and the fingerprint check appear here, from dtls.* notes.',
    before: 'No DTLS handshake yet at this moment.',
  },
  {
    prefix: 'srtp.',
    title: 'SRTP',
    absent: 'No SRTP in this scenario. Once a DTLS-SRTP handshake completes, the negotiated profile, the keys (shown: this is a lab) and per-stream counters appear here, from srtp.* notes.',
    before: 'No SRTP keys yet at this moment.',
  },
];

/** State panels at the cursor, driven only by note kinds: they fill in as components start reporting. */
export class StatePanels {
  readonly root: HTMLElement;

  constructor(host: HTMLElement) {
    this.root = el('div', { class: 'state-panels' });
    host.append(this.root);
  }

  render(notes: readonly Note[], t: number): void {
    clear(this.root);
    for (const f of FAMILIES) {
      const box = el('section', { class: 'state-panel', 'data-testid': `panel-${f.title.toLowerCase()}` }, el('h3', {}, f.title));
      if (!hasFamily(notes, f.prefix)) {
        box.append(emptyState(`No ${f.title}`, f.absent));
      } else {
        const rows = familyRows(notes, f.prefix, t);
        if (rows.length === 0) box.append(emptyState(`${f.title}: not yet`, f.before));
        else {
          const table = el('table', {});
          table.append(el('tr', {}, ...['source', 'kind', 'key', 'state', 'at', 'what'].map((h) => el('th', {}, h))));
          for (const r of rows) {
            table.append(el('tr', {}, el('td', {}, r.source), el('td', {}, r.kind), el('td', {}, r.key), el('td', { class: 'state' }, r.state ?? ''), el('td', {}, formatDuration(r.t)), el('td', {}, r.count > 1 ? `${r.text} (×${r.count})` : r.text)));
          }
          box.append(table);
        }
      }
      this.root.append(box);
    }
    this.root.append(eventLog(notes, t));
  }
}

/** The last notes up to the cursor, every kind: what just happened. */
function eventLog(notes: readonly Note[], t: number): HTMLElement {
  const box = el('section', { class: 'state-panel' }, el('h3', {}, 'Events so far'));
  let last = -1;
  for (let i = 0; i < notes.length && notes[i]!.t <= t; i++) last = i;
  if (last < 0) {
    box.append(emptyState('Nothing yet', 'Notes from every component (NAT mappings, probes, and later ICE, DTLS and SRTP) are listed here as the cursor passes them.'));
    return box;
  }
  const ul = el('ul', { class: 'event-log', 'data-testid': 'event-log' });
  for (let i = last; i >= Math.max(0, last - 11); i--) {
    const n = notes[i]!;
    ul.append(el('li', {}, el('span', { class: 'muted' }, `${formatDuration(n.t)} ${n.source} `), el('span', { class: 'kind' }, n.kind), ` ${n.text}`));
  }
  box.append(ul);
  return box;
}
