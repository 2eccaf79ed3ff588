import { trf, type Say } from './i18n.ts';
import type { PackedTrace } from './model/packed.ts';
import type { Response } from './protocol.ts';
import { download } from './app-controls.ts';
import { AnalysisPanel } from './views/analysis-panel.ts';
import type { Ladder } from './views/ladder.ts';
import { Panels } from './views/panels.ts';
import { bucketFor, StatsGraphs } from './views/stats-graphs.ts';
import type { RequestBody } from './worker-client.ts';

/** What the panes ask of the page: the trace and cursor, moving to a hop or a note, the worker. */
export interface PaneHost {
  readonly p: PackedTrace | undefined;
  readonly now: number;
  readonly ladder: Ladder;
  call(body: RequestBody): Promise<Response>;
  select(i: number, reveal: boolean): void;
  seek(t: number, follow?: boolean): void;
  moveTo(t: number): void;
  renderPanels(): void;
  schedulePanels(): void;
  showFilter(text: string): Promise<boolean>;
  showError(message: Say): void;
}

/** An element of index.html by id (a missing one is a broken page, said as such). */
export const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html lacks #${id}`);
  return e;
};

/**
 * The panes around the ladder, wired to the page: the analysis panel (SDP, streams, statistics), the state pane
 * (topology, NAT tables, diagnosis, ICE/DTLS/SRTP) and the statistics strip under the ladder.
 */
export function buildPanes(a: PaneHost): { analysis: AnalysisPanel; panels: Panels; graphs: StatsGraphs } {
  const selectHop = (i: number): void => {
    a.select(i, true);
    a.ladder.frame(i);
    a.renderPanels();
  };
  const analysis = new AnalysisPanel(document.body, $('analysis-buttons'), {
    views: async () => {
      const r = await a.call({ type: 'views' });
      return r.type === 'views' && r.views ? r.views : { error: r.type === 'error' ? r.message : 'this trace has no packets to analyse' };
    },
    selectHop,
    showNote: (i) => a.moveTo(a.p?.notes[i]?.t ?? a.now),
    stats: async () => {
      const r = a.p ? await a.call({ type: 'stats', bucketMs: bucketFor(a.p.end) }) : undefined;
      return r?.type === 'stats' ? r.report : undefined;
    },
    showStream: (f) => void a.showFilter(f),
  });
  const panels = new Panels({
    topology: $('topology'),
    state: $('panels'),
    actions: {
      selectHop,
      showNote: (i) => {
        const n = a.p?.notes[i];
        if (!n) return;
        a.seek(n.t, true);
        a.ladder.reveal(n.t);
        a.renderPanels();
      },
    },
    call: (body) => a.call(body),
    changed: () => a.schedulePanels(),
  });
  const graphs = new StatsGraphs($('stats'), {
    seek: (t) => a.seek(t, true),
    load: async (bucketMs) => {
      const r = await a.call({ type: 'stats', bucketMs });
      if (r.type === 'error') {
        const message = r.message;
        a.showError(() => trf('statsError', { message }));
      }
      return r.type === 'stats' ? r.report : undefined;
    },
    download,
  });
  return { analysis, panels, graphs };
}
