/**
 * TEST ONLY: pre-generated 2048-bit Paillier keys, so tests that are not about Paillier key
 * generation do not spend ~1.5–10 s each generating one on a loaded machine. Never use in production
 * (the factorisations are public). The real generator is exercised by ecdsa2p.test.ts.
 */

import { PaillierPrivateKey } from './paillier.js';
import keys from './test-paillier-keys.json' with { type: 'json' };

const parsed = (keys as { p: string; q: string }[]).map((k) => PaillierPrivateKey.fromJSON(k));

export function testPaillierKey(i: number): PaillierPrivateKey {
  const k = parsed[i % parsed.length];
  if (!k) throw new Error('no test Paillier keys');
  return k;
}

/** A source for MpcSigner's `paillierKeys` that cycles through the fixture keys. */
export function testPaillierKeySource(start = 0): () => Promise<PaillierPrivateKey> {
  let i = start;
  return async () => testPaillierKey(i++);
}
