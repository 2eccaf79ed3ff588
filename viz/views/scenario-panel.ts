import { NAT_BEHAVIOURS } from '../../sim/net/nat/config.ts';
import { NAT_PRESET_NAMES } from '../../sim/scenario/nat-config.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { i18nAttrs, onLang, tr, trf, type UiKey } from '../i18n.ts';
import { presetDescription, presetTitle } from '../i18n-presets.ts';
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
  private readonly description: HTMLElement;
  private scenario: Json | undefined;
  private readonly turnMemory = new TurnMemory();
  /** Set by the app: keeps the run on screen as "A" and opens the side-by-side comparison. */
  onKeep: (() => void) | undefined;

  constructor(
    host: HTMLElement,
    private readonly onRun: (scenario: Json | string, seed: number | undefined) => void,
  ) {
    this.presetSel = el('select', { ...i18nAttrs({ aria: 'scPresetAria' }), 'data-testid': 'preset' });
    this.description = el('p', { class: 'preset-description muted', 'data-testid': 'preset-description' });
    this.presetTexts();
    onLang(() => this.presetTexts());
    this.presetSel.addEventListener('change', () => {
      this.describe();
      this.onRun(this.presetSel.value, this.seed());
    });
    this.seedIn = el('input', { type: 'number', min: '0', step: '1', value: '1', ...i18nAttrs({ aria: 'scSeedAria' }), 'data-testid': 'seed' });
    this.form = el('div', { class: 'scenario-form' });
    this.json = el('textarea', { spellcheck: 'false', rows: '10', ...i18nAttrs({ aria: 'scJson' }), 'data-testid': 'scenario-json' });
    this.error = el('div', { class: 'problem', role: 'alert', 'data-testid': 'scenario-error' });
    const rerun = el('button', { 'data-testid': 'rerun', ...i18nAttrs({ text: 'scRerun' }) }, tr('scRerun'));
    rerun.addEventListener('click', () => this.rerunFromForm());
    const keep = el('button', { 'data-testid': 'keep-as-a', ...i18nAttrs({ text: 'scKeep', title: 'scKeepTitle' }) }, tr('scKeep'));
    keep.addEventListener('click', () => this.onKeep?.());
    const runJson = el('button', i18nAttrs({ text: 'scRunJson' }), tr('scRunJson'));
    runJson.addEventListener('click', () => {
      try {
        this.onRun(JSON.parse(this.json.value) as Json, this.seed());
      } catch (e) {
        this.showError(trf('scNotJson', { message: (e as Error).message }));
      }
    });
    this.root = el(
      'div',
      { class: 'scenario-panel' },
      el('label', {}, el('span', i18nAttrs({ text: 'scPreset' }), tr('scPreset')), this.presetSel),
      this.description,
      el('label', {}, el('span', i18nAttrs({ text: 'scSeed' }), tr('scSeed')), this.seedIn),
      this.form,
      el('div', { class: 'buttons' }, rerun, keep),
      this.error,
      el('details', {}, el('summary', i18nAttrs({ text: 'scJson' }), tr('scJson')), this.json, runJson),
    );
    host.append(this.root);
  }

  /** The picker's preset titles, and the chosen one's description, in the page's language. */
  private presetTexts(): void {
    const chosen = this.presetSel.value;
    this.presetSel.replaceChildren(...listPresets().map((p) => el('option', { value: p.name, title: presetDescription(p) }, `${p.name} — ${presetTitle(p)}`)));
    if (chosen) this.presetSel.value = chosen;
    this.describe();
  }

  private describe(): void {
    const p = listPresets().find((q) => q.name === this.presetSel.value);
    this.description.textContent = p ? presetDescription(p) : '';
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
    this.describe();
    this.seedIn.value = String(seed);
    this.json.value = JSON.stringify(scenario, null, 2);
    this.drawForm(scenario);
  }

  /** The form: a fieldset per NAT and per host link, then the ICE switches. */
  private drawForm(scenario: Json): void {
    clear(this.form);
    const nodes = (scenario.nodes ?? {}) as Record<string, Json>;
    for (const [name, node] of Object.entries(nodes)) {
      const rows: HTMLElement[] = [];
      if (node.kind === 'nat') {
        const nat = (node.nat ?? {}) as Json;
        rows.push(select(`${name}.preset`, 'scNatPreset', NAT_PRESET_NAMES, String(node.preset ?? 'port-restricted-cone')));
        rows.push(select(`${name}.mapping`, 'scMapping', ['(preset)', ...NAT_BEHAVIOURS], String(nat.mapping ?? '(preset)')));
        rows.push(select(`${name}.filtering`, 'scFiltering', ['(preset)', ...NAT_BEHAVIOURS], String(nat.filtering ?? '(preset)')));
        rows.push(select(`${name}.hairpinning`, 'scHairpinning', ['(preset)', 'true', 'false'], nat.hairpinning === undefined ? '(preset)' : String(nat.hairpinning)));
        rows.push(input(`${name}.mappingLifetime`, 'scLifetime', nat.mappingLifetime === undefined ? '' : String(nat.mappingLifetime), 'scEg30s'));
      }
      if (node.uplink !== undefined) {
        const link = (node.link ?? {}) as Json;
        rows.push(input(`${name}.delay`, 'scDelay', link.delay === undefined ? '' : String(link.delay), 'scEg10ms'));
        rows.push(input(`${name}.loss`, 'scLoss', link.loss === undefined ? '' : String(link.loss)));
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

/** A menu of a scenario field (its `--set` path is its accessible name); "(preset)" leaves the field out. */
function select(key: string, label: UiKey, options: readonly string[], value: string): HTMLElement {
  const s = el('select', { 'data-key': key, 'aria-label': `${key}` });
  for (const o of options) s.append(el('option', { value: o, ...(o === value ? { selected: '' } : {}), ...(o === '(preset)' ? i18nAttrs({ text: 'scFromPreset' }) : {}) }, o === '(preset)' ? tr('scFromPreset') : o));
  return el('label', {}, el('span', i18nAttrs({ text: label }), tr(label)), ' ', s);
}

function input(key: string, label: UiKey, value: string, placeholder?: UiKey): HTMLElement {
  const i = el('input', { 'data-key': key, value, placeholder: '0–1', 'aria-label': key, ...(placeholder ? i18nAttrs({ placeholder }) : {}) });
  return el('label', {}, el('span', i18nAttrs({ text: label }), tr(label)), ' ', i);
}
