import { NAT_BEHAVIOURS } from '../../sim/net/nat/config.ts';
import { NAT_PRESET_NAMES } from '../../sim/scenario/nat-config.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { clear, el } from './dom.ts';
import { applyIceSwitches, iceSwitchFieldsets, TurnMemory } from './ice-switches.ts';

type Json = Record<string, unknown>;

/**
 * The scenario side panel: pick a preset, edit each NAT's behaviour and each link's delay and loss, set the seed,
 * and re-run in place (in the worker). The raw JSON is editable too, for anything the form does not cover.
 */
export class ScenarioPanel {
  readonly root: HTMLElement;
  private readonly presetSel: HTMLSelectElement;
  private readonly form: HTMLElement;
  private readonly seedIn: HTMLInputElement;
  private readonly json: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private scenario: Json | undefined;
  private readonly turnMemory = new TurnMemory();
  /** Set by the app: keeps the run on screen as "A" and opens the side-by-side comparison. */
  onKeep: (() => void) | undefined;

  constructor(
    host: HTMLElement,
    private readonly onRun: (scenario: Json | string, seed: number | undefined) => void,
  ) {
    this.presetSel = el('select', { 'aria-label': 'Scenario preset', 'data-testid': 'preset' });
    for (const p of listPresets()) this.presetSel.append(el('option', { value: p.name }, `${p.name} — ${p.title}`));
    this.presetSel.addEventListener('change', () => this.onRun(this.presetSel.value, this.seed()));
    this.seedIn = el('input', { type: 'number', min: '0', step: '1', value: '1', 'aria-label': 'Seed', 'data-testid': 'seed' });
    this.form = el('div', { class: 'scenario-form' });
    this.json = el('textarea', { spellcheck: 'false', rows: '10', 'aria-label': 'Scenario JSON', 'data-testid': 'scenario-json' });
    this.error = el('div', { class: 'problem', role: 'alert', 'data-testid': 'scenario-error' });
    const rerun = el('button', { 'data-testid': 'rerun' }, 'Re-run');
    rerun.addEventListener('click', () => this.rerunFromForm());
    const keep = el('button', { 'data-testid': 'keep-as-a', title: 'Keep this run as A; change the scenario and re-run: B is shown beside it' }, 'Keep as A & compare');
    keep.addEventListener('click', () => this.onKeep?.());
    const runJson = el('button', {}, 'Run JSON');
    runJson.addEventListener('click', () => {
      try {
        this.onRun(JSON.parse(this.json.value) as Json, this.seed());
      } catch (e) {
        this.showError(`not JSON: ${(e as Error).message}`);
      }
    });
    this.root = el(
      'div',
      { class: 'scenario-panel' },
      el('label', {}, 'Preset ', this.presetSel),
      el('label', {}, 'Seed ', this.seedIn),
      this.form,
      el('div', { class: 'buttons' }, rerun, keep),
      this.error,
      el('details', {}, el('summary', {}, 'Scenario JSON'), this.json, runJson),
    );
    host.append(this.root);
  }

  private seed(): number | undefined {
    const v = Number(this.seedIn.value);
    return Number.isInteger(v) && v >= 0 ? v : undefined;
  }

  showError(message: string): void {
    this.error.textContent = message;
  }

  /** Shows the scenario that was just run. */
  set(scenario: Json, presetName: string | undefined, seed: number): void {
    this.scenario = structuredClone(scenario);
    this.turnMemory.remember(scenario);
    this.error.textContent = '';
    if (presetName && [...this.presetSel.options].some((o) => o.value === presetName)) this.presetSel.value = presetName;
    this.seedIn.value = String(seed);
    this.json.value = JSON.stringify(scenario, null, 2);
    clear(this.form);
    const nodes = (scenario.nodes ?? {}) as Record<string, Json>;
    for (const [name, node] of Object.entries(nodes)) {
      const rows: HTMLElement[] = [];
      if (node.kind === 'nat') {
        const nat = (node.nat ?? {}) as Json;
        rows.push(select(`${name}.preset`, 'preset', NAT_PRESET_NAMES, String(node.preset ?? 'port-restricted-cone')));
        rows.push(select(`${name}.mapping`, 'mapping', ['(preset)', ...NAT_BEHAVIOURS], String(nat.mapping ?? '(preset)')));
        rows.push(select(`${name}.filtering`, 'filtering', ['(preset)', ...NAT_BEHAVIOURS], String(nat.filtering ?? '(preset)')));
        rows.push(select(`${name}.hairpinning`, 'hairpinning', ['(preset)', 'true', 'false'], nat.hairpinning === undefined ? '(preset)' : String(nat.hairpinning)));
        rows.push(input(`${name}.mappingLifetime`, 'mapping lifetime', nat.mappingLifetime === undefined ? '' : String(nat.mappingLifetime), 'e.g. 30s'));
      }
      if (node.uplink !== undefined) {
        const link = (node.link ?? {}) as Json;
        rows.push(input(`${name}.delay`, 'link delay', link.delay === undefined ? '' : String(link.delay), 'e.g. 10ms'));
        rows.push(input(`${name}.loss`, 'link loss', link.loss === undefined ? '' : String(link.loss), '0–1'));
      }
      if (rows.length) this.form.append(el('fieldset', {}, el('legend', {}, `${name} (${String(node.kind)})`), ...rows));
    }
    this.form.append(...iceSwitchFieldsets(scenario, this.turnMemory));
  }

  private rerunFromForm(): void {
    if (!this.scenario) return;
    const s = structuredClone(this.scenario);
    const nodes = (s.nodes ?? {}) as Record<string, Json>;
    const value = (key: string): string | undefined => (this.form.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-key="${CSS.escape(key)}"]`)?.value ?? undefined);
    for (const [name, node] of Object.entries(nodes)) {
      if (node.kind === 'nat') {
        node.preset = value(`${name}.preset`) ?? node.preset;
        const nat: Json = { ...((node.nat ?? {}) as Json) };
        for (const k of ['mapping', 'filtering'] as const) {
          const v = value(`${name}.${k}`);
          if (v === '(preset)') delete nat[k];
          else if (v) nat[k] = v;
        }
        const h = value(`${name}.hairpinning`);
        if (h === '(preset)') delete nat.hairpinning;
        else if (h) nat.hairpinning = h === 'true';
        const life = value(`${name}.mappingLifetime`)?.trim();
        if (life) nat.mappingLifetime = life;
        else delete nat.mappingLifetime;
        if (Object.keys(nat).length) node.nat = nat;
        else delete node.nat;
      }
      if (node.uplink !== undefined) {
        const link: Json = { ...((node.link ?? {}) as Json) };
        const delay = value(`${name}.delay`)?.trim();
        if (delay) link.delay = delay;
        else delete link.delay;
        const loss = value(`${name}.loss`)?.trim();
        if (loss) link.loss = Number(loss);
        else delete link.loss;
        node.link = link;
      }
    }
    applyIceSwitches(s, this.form, this.turnMemory);
    this.onRun(s, this.seed());
  }
}

function select(key: string, label: string, options: readonly string[], value: string): HTMLElement {
  const s = el('select', { 'data-key': key, 'aria-label': `${key}` });
  for (const o of options) s.append(el('option', { value: o, ...(o === value ? { selected: '' } : {}) }, o));
  return el('label', {}, `${label} `, s);
}

function input(key: string, label: string, value: string, placeholder: string): HTMLElement {
  const i = el('input', { 'data-key': key, value, placeholder, 'aria-label': key });
  return el('label', {}, `${label} `, i);
}
