// The crypto backend changes speed, never bytes: every preset run, and every capture dissected with its key log,
// gives the pinned digests under the portable @noble backend and under node:crypto (sim/core/crypto-backend.ts).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../cli/node-crypto.ts';
import { cryptoBackend, type CryptoBackend, nobleCrypto, setCryptoBackend } from '../../sim/core/crypto-backend.ts';
import { listPresets } from '../../sim/scenario/presets/index.ts';
import { captureDigests, keptCaptures, presetDigests, type PresetDigests } from './compute.ts';

const pinned = JSON.parse(readFileSync(new URL('./digests.json', import.meta.url), 'utf8')) as {
  presets: { [name: string]: PresetDigests };
  captures: { [name: string]: { [variant: string]: string } };
};

const before = cryptoBackend();
afterAll(() => {
  setCryptoBackend(before);
});

/** Runs `fn` with `backend` and counts that the backend was really called. */
function withBackend<T>(backend: CryptoBackend, fn: () => T): { value: T; calls: number } {
  let calls = 0;
  const counted = Object.fromEntries(
    Object.entries(backend).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => (calls++, (v as (...x: unknown[]) => unknown)(...a)) : v]),
  ) as unknown as CryptoBackend;
  setCryptoBackend(counted);
  try {
    return { value: fn(), calls };
  } finally {
    setCryptoBackend(before);
  }
}

describe('every preset gives the pinned digests with either crypto backend', { timeout: 900_000 }, () => {
  for (const p of listPresets()) {
    it(p.name, () => {
      for (const backend of [nobleCrypto, nodeCrypto]) {
        const { value, calls } = withBackend(backend, () => presetDigests(p.name));
        expect(value, backend.name).toEqual(pinned.presets[p.name]);
        // fail-dtls-both-* never get as far as a handshake (both sides active, or both waiting): no crypto to call
        // plain SIP calls carry plain RTP: no cipher, and digest hashing is not the backend's (sip-*)
        if (/call|dtls|turn/.test(p.name) && !/^fail-dtls-both-|^sip-/.test(p.name)) expect(calls, `${p.name} used ${backend.name}`).toBeGreaterThan(0);
      }
    });
  }
});

describe('every capture with a key log dissects to the pinned output with either crypto backend', { timeout: 900_000 }, () => {
  for (const c of keptCaptures().filter((c) => c.keylog)) {
    it(c.name, async () => {
      for (const backend of [nobleCrypto, nodeCrypto]) {
        setCryptoBackend(backend);
        try {
          expect(await captureDigests(c), backend.name).toEqual(pinned.captures[c.name]);
        } finally {
          setCryptoBackend(before);
        }
      }
    });
  }
});
