import { describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf, signWithPrivateKey, verifySignature } from './local-key.js';

describe('local key signing', () => {
  for (const curve of ['secp256k1', 'ed25519'] as const) {
    it(`${curve}: signs and verifies, rejects a wrong payload`, () => {
      const sk = generatePrivateKey(curve);
      const pk = publicKeyOf(curve, sk);
      const payload = 'ab'.repeat(32);
      const sig = signWithPrivateKey(curve, sk, payload);
      expect(verifySignature(curve, pk, payload, sig)).toBe(true);
      expect(verifySignature(curve, pk, 'cd'.repeat(32), sig)).toBe(false);
      if (curve === 'secp256k1') expect([0, 1]).toContain(sig.recovery);
    });
  }
});
