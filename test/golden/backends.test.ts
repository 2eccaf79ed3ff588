// The crypto backend changes speed, never bytes: every preset run, and every capture dissected with its key log,
// gives the pinned digests under the portable @noble backend (sim/core/crypto-backend.ts). golden.test.ts checks the
// same digests under node:crypto on every preset (counting its calls as here) and every capture: a second run of
// each here under node:crypto would repeat it.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cryptoBackend, nobleCrypto, setCryptoBackend } from '../../sim/core/crypto-backend.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { callsCrypto, captureDigests, keptCaptures, presetDigests, type PresetDigests, withBackend } from './compute.ts';

const pinned = JSON.parse(readFileSync(new URL('./digests.json', import.meta.url), 'utf8')) as {
  presets: { [name: string]: PresetDigests };
  captures: { [name: string]: { [variant: string]: string } };
};

const before = cryptoBackend();
afterAll(() => {
  setCryptoBackend(before);
});

describe('every preset gives the pinned digests with the @noble backend as with node:crypto (golden.test.ts)', { timeout: 900_000 }, () => {
  for (const p of listPresets()) {
    it(p.name, () => {
      const { value, calls } = withBackend(nobleCrypto, () => presetDigests(p.name));
      expect(value, nobleCrypto.name).toEqual(pinned.presets[p.name]);
      if (callsCrypto(p.name)) expect(calls, `${p.name} used ${nobleCrypto.name}`).toBeGreaterThan(0);
    });
  }
});

describe('every capture with a key log dissects to the pinned output with the @noble backend as with node:crypto (golden.test.ts)', { timeout: 900_000 }, () => {
  for (const c of keptCaptures().filter((c) => c.keylog)) {
    it(c.name, async () => {
      setCryptoBackend(nobleCrypto);
      try {
        expect(await captureDigests(c), nobleCrypto.name).toEqual(pinned.captures[c.name]);
      } finally {
        setCryptoBackend(before);
      }
    });
  }
});
