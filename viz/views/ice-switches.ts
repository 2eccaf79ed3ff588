import { i18nAttrs, type UiKey } from '../i18n.ts';
import { el } from './dom.ts';

type Json = Record<string, unknown>;

/**
 * The scenario panel's ICE switches, one fieldset per ICE-speaking app: TURN on/off (the app's `turn` server list),
 * ICE-lite (`lite`, RFC 8445 §2.5) and trickle (`trickle`, RFC 8838). Each maps onto the scenario field of the
 * same name (the paths `rtclab run --set` takes, e.g. `apps[2].lite=true`).
 */
const SWITCHES: Readonly<Record<string, readonly ('turn' | 'lite' | 'trickle')[]>> = {
  'ice-agent': ['turn', 'lite', 'trickle'],
  'webrtc-peer': ['turn', 'lite', 'trickle'],
  'sfu-client': ['turn', 'trickle'],
};

const TITLES: Readonly<Record<'turn' | 'lite' | 'trickle', UiKey>> = { turn: 'swTurnTitle', lite: 'swLiteTitle', trickle: 'swTrickleTitle' };

/** A TURN server list an app had (or one its host has an account for), to restore when TURN is switched back on. */
export class TurnMemory {
  private readonly lists = new Map<string, unknown[]>();

  /** Remembers every non-empty `turn` list of the scenario's apps, by scenario name and app host. */
  remember(scenario: Json): void {
    for (const app of apps(scenario)) {
      if (Array.isArray(app.turn) && app.turn.length > 0) this.lists.set(key(scenario, app), structuredClone(app.turn));
    }
  }

  /** What to put back: the remembered list, else an account on the scenario's turn-server for the app's host. */
  listFor(scenario: Json, app: Json): unknown[] | undefined {
    const kept = this.lists.get(key(scenario, app));
    if (kept) return structuredClone(kept);
    const server = apps(scenario).find((a) => a.kind === 'turn-server');
    const users = (server?.users ?? {}) as Json;
    const host = String(app.host ?? '');
    if (!server || typeof users[host] !== 'string' || typeof server.listen !== 'string') return undefined;
    return [{ server: server.listen, username: host, password: users[host] }];
  }
}

const key = (scenario: Json, app: Json): string => `${String(scenario.name ?? '')}\u0000${String(app.kind)}\u0000${String(app.host ?? '')}`;
const apps = (scenario: Json): Json[] => (Array.isArray(scenario.apps) ? (scenario.apps as unknown[]).filter((a): a is Json => typeof a === 'object' && a !== null) : []);

/** One fieldset per ICE-speaking app with its switches set from the scenario. */
export function iceSwitchFieldsets(scenario: Json, memory: TurnMemory): HTMLElement[] {
  const out: HTMLElement[] = [];
  (Array.isArray(scenario.apps) ? (scenario.apps as Json[]) : []).forEach((app, i) => {
    const names = SWITCHES[String(app?.kind)];
    if (!names) return;
    const rows = names.map((name) => {
      const k = `apps[${i}].${name}`;
      const on = name === 'turn' ? Array.isArray(app.turn) && app.turn.length > 0 : name === 'trickle' ? app.trickle !== false : app.lite === true;
      const disabled = name === 'turn' && !on && !memory.listFor(scenario, app);
      const box = el('input', { type: 'checkbox', 'data-key': k, 'data-switch': name, 'aria-label': k, ...(on ? { checked: '' } : {}), ...(disabled ? i18nAttrs({ title: 'swNoAccount' }) : {}) });
      box.disabled = disabled;
      return el('label', { class: 'switch', ...i18nAttrs({ title: TITLES[name] }) }, box, ` ${name === 'turn' ? 'TURN' : name === 'lite' ? 'ICE-lite' : 'trickle'}`);
    });
    out.push(el('fieldset', { 'data-testid': `ice-switches-${String(app.host)}` }, el('legend', {}, `${String(app.host)} (${String(app.kind)})`), el('div', { class: 'switches' }, ...rows)));
  });
  return out;
}

/** Writes the switches' positions into the scenario (`s` is the copy about to be run). */
export function applyIceSwitches(s: Json, form: HTMLElement, memory: TurnMemory): void {
  const list = Array.isArray(s.apps) ? (s.apps as Json[]) : [];
  for (const box of form.querySelectorAll<HTMLInputElement>('input[data-switch]')) {
    const m = /^apps\[(\d+)\]\./.exec(box.dataset.key ?? '');
    const app = m ? list[Number(m[1])] : undefined;
    if (!app || box.disabled) continue;
    switch (box.dataset.switch) {
      case 'turn': {
        const on = Array.isArray(app.turn) && app.turn.length > 0;
        if (box.checked && !on) {
          const restored = memory.listFor(s, app);
          if (restored) app.turn = restored;
        } else if (!box.checked && on) delete app.turn;
        break;
      }
      case 'lite':
        if (box.checked) app.lite = true;
        else delete app.lite;
        break;
      case 'trickle':
        if (box.checked) delete app.trickle;
        else app.trickle = false;
        break;
    }
  }
}
