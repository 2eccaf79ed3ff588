// Behaviour pinned before the wave-2 rebuild of the upper floors: every preset's exports and every kept capture's
// dissection are byte-identical to the digests in digests.json (recompute: npx tsx test/golden/compute.ts). Run with
// node:crypto, the CLI's backend (and counted: a preset that must call it does); backends.test.ts runs the portable
// @noble backend against the same digests, so both backends are pinned on every preset and capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../cli/node-crypto.ts';
import { cryptoBackend, setCryptoBackend } from '../../sim/core/crypto-backend.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { callsCrypto, captureDigests, keptCaptures, presetDigests, type PresetDigests, withBackend } from './compute.ts';

const pinned = JSON.parse(readFileSync(new URL('./digests.json', import.meta.url), 'utf8')) as {
  presets: { [name: string]: PresetDigests };
  captures: { [name: string]: { [variant: string]: string } };
};

describe('every preset writes the pinned pcapng, key log, --json summary, printed summary, hops and notes', { timeout: 600_000 }, () => {
  it('pins every preset there is, and no other', () => {
    expect(Object.keys(pinned.presets).sort()).toEqual(listPresets().map((p) => p.name).sort());
  });
  for (const p of listPresets()) {
    it(p.name, () => {
      const { value, calls } = withBackend(nodeCrypto, () => presetDigests(p.name));
      expect(value).toEqual(pinned.presets[p.name]);
      if (callsCrypto(p.name)) expect(calls, `${p.name} used ${nodeCrypto.name}`).toBeGreaterThan(0);
    });
  }
});

describe('rtclab dissect prints the pinned output on every kept capture (default, --json, --summary, --keylog)', { timeout: 600_000 }, () => {
  it('pins every capture there is, and no other', () => {
    expect(Object.keys(pinned.captures).sort()).toEqual(keptCaptures().map((c) => c.name));
  });
  for (const c of keptCaptures()) {
    it(c.name, async () => {
      const before = cryptoBackend();
      setCryptoBackend(nodeCrypto);
      try {
        expect(await captureDigests(c)).toEqual(pinned.captures[c.name]);
      } finally {
        setCryptoBackend(before);
      }
    });
  }
});
