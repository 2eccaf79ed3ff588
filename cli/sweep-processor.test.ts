import { describe, expect, it } from 'vitest';
import { cryptoBackend, nobleCrypto, setCryptoBackend } from '../sim/core/crypto-backend.ts';

describe('the sandboxed sweep processor', () => {
  it('computes on node:crypto, as the worker threads do', async () => {
    const before = setCryptoBackend(nobleCrypto);
    try {
      await import('./sweep-processor.ts');
      expect(cryptoBackend().name).toBe('node:crypto');
    } finally {
      setCryptoBackend(before);
    }
  });
});
