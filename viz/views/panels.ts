import { NatReplay } from '../model/nat-state.ts';
import type { PackedTrace } from '../model/packed.ts';
import type { SrtpStreamTable } from '../model/srtp-streams.ts';
import type { RequestBody } from '../worker-client.ts';
import type { Response } from '../protocol.ts';
import { DiagnosisPanel, type DiagnosisActions } from './diagnosis-panel.ts';
import { StatePanels } from './state-panels.ts';
import { TopologyPanel } from './topology.ts';

/** One view of the state pane: told when a trace is loaded, redrawn for the cursor's time. */
export interface Panel {
  render(p: PackedTrace, t: number): void;
}

/** Where the panels go in the page and what they may ask of it. */
export interface PanelHosts {
  /** The topology and its NAT tables. */
  readonly topology: HTMLElement;
  /** The ICE, DTLS and SRTP panels and the event log. */
  readonly state: HTMLElement;
  /** The diagnosis panel's selections on the ladder and the cursor. */
  readonly actions: DiagnosisActions;
  /** Asks the worker (the SRTP stream counters need its dissection pass with the keys). */
  call(body: RequestBody): Promise<Response>;
  /** The worker's data for a panel came in: the page redraws the panels at its next frame. */
  changed(): void;
}

/**
 * The state pane's panels, registered in one list and drawn in its order: the topology with its NAT tables (replayed
 * from the notes up to the cursor), the diagnosis (first in the pane: on a failed run it is what to read first) and the
 * ICE/DTLS/SRTP state panels. A new panel is one entry in `list`.
 */
export class Panels {
  readonly diagnosis: DiagnosisPanel;
  private readonly state: StatePanels;
  private readonly list: readonly Panel[];
  private replay: NatReplay | undefined;
  private srtpRequest = 0;
  /** For tests: the SRTP stream table of the loaded trace, once the worker has sent it. */
  srtpStreams: SrtpStreamTable | undefined;

  constructor(private readonly hosts: PanelHosts) {
    const topology = new TopologyPanel(hosts.topology);
    this.state = new StatePanels(hosts.state, (i) => hosts.actions.showNote(i));
    // first in the state pane, above the topology
    this.diagnosis = new DiagnosisPanel(hosts.topology.parentElement ?? hosts.state, hosts.actions);
    this.list = [
      { render: (p, t) => this.replay && topology.render(p, this.replay, t) },
      { render: (p) => this.diagnosis.load(p) },
      { render: (p, t) => this.state.render(p.notes, t, p.secrets) },
    ];
  }

  /** A new trace: its NAT replay, and its SRTP stream counters asked of the worker. */
  load(p: PackedTrace): void {
    this.replay = new NatReplay(p.notes, p.nodes);
    this.state.setSrtpStreams(undefined);
    void this.requestSrtpStreams();
  }

  /** Rebuilds every panel for cursor time `t` (synchronously). */
  render(p: PackedTrace, t: number): void {
    if (!this.replay) return;
    for (const panel of this.list) panel.render(p, t);
  }

  /** SRTP stream counters come from the worker after the trace (they need a dissection pass with the keys). */
  private async requestSrtpStreams(): Promise<void> {
    const ask = ++this.srtpRequest;
    const r = await this.hosts.call({ type: 'srtp-streams' });
    if (ask !== this.srtpRequest || r.type !== 'srtp-streams') return;
    this.srtpStreams = r.table;
    this.state.setSrtpStreams(r.table);
    this.hosts.changed();
  }
}
