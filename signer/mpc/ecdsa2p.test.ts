import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { mod, randNonZeroBelow, toHex } from './bigint.js';
import { compactSignature, EcdsaP1, type EcdsaP1Share, EcdsaP2, type EcdsaP2Share } from './ecdsa2p.js';
import { MpcErrorId } from './errors.js';
import { commit } from './hash.js';
import { PaillierPrivateKey, PaillierPublicKey } from './paillier.js';
import {
  runEcdsaKeyGen,
  runEcdsaOnline,
  runEcdsaPresign,
  runEcdsaReshare,
  runEcdsaSign,
  type Tamper,
} from './protocol.js';
import { proveRange, type RangeProof } from './range-proof.js';
import { G, pointToHex, proveDlog, q } from './secp.js';
import { testPaillierKey } from './test-keys.js';

// biome-ignore lint/suspicious/noExplicitAny: tamper hooks edit arbitrary protocol messages.
type Msg = any;

function at(step: string, edit: (m: Msg) => void): Tamper {
  return (s, m) => {
    if (s.startsWith(step)) edit(m);
    return m;
  };
}

function flipHex(h: string): string {
  return (h[0] === 'a' ? 'b' : 'a') + h.slice(1);
}

function expectMpcError(fn: () => unknown, id: string, message?: RegExp) {
  try {
    fn();
  } catch (err) {
    expect((err as { id?: string }).id).toBe(id);
    if (message) expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected the protocol to reject the message');
}

function verifies(sig: { r: bigint; s: bigint }, digest: Uint8Array, Q: Uint8Array): boolean {
  return secp256k1.verify(compactSignature({ ...sig, recovery: 0 }), digest, Q, { prehash: false, lowS: true });
}

describe('two-party ECDSA (Lindell 2017)', () => {
  // Key generation now blocks for seconds (range proof); yield between tests so vitest's worker RPC is answered.
  beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
  const base = runEcdsaKeyGen(testPaillierKey(0));
  const Q = base.p1.Q.toBytes(true);

  it('key generation with a freshly generated Paillier key: both parties agree on Q = x1·x2·G', async () => {
    const paillier = await PaillierPrivateKey.generate();
    expect(paillier.publicKey.bitLength).toBeGreaterThanOrEqual(2048);
    const { p1, p2 } = runEcdsaKeyGen(paillier);
    expect(p1.Q.equals(p2.Q)).toBe(true);
    expect(p1.Q.equals(G.multiply(mod(p1.x1 * p2.x2, q)))).toBe(true);
    expect(p1.x1 < q / 3n).toBe(true);
    expect(paillier.decrypt(p2.ckey)).toBe(p1.x1);
    const digest = randomBytes(32);
    expect(verifies(runEcdsaSign(new EcdsaP1(p1), new EcdsaP2(p2), digest), digest, p1.Q.toBytes(true))).toBe(true);
  }, 120_000);

  it('signs: standard low-s (r, s) that verifies and recovers to the joint public key', () => {
    const p1 = new EcdsaP1(base.p1);
    const p2 = new EcdsaP2(base.p2);
    for (let i = 0; i < 3; i++) {
      const digest = randomBytes(32);
      const sig = runEcdsaSign(p1, p2, digest);
      expect(sig.s <= q / 2n).toBe(true);
      expect(verifies(sig, digest, Q)).toBe(true);
      const recovered = secp256k1.recoverPublicKey(Uint8Array.of(sig.recovery, ...compactSignature(sig)), digest, {
        prehash: false,
      });
      expect(Buffer.from(recovered).equals(Buffer.from(Q))).toBe(true);
    }
  });

  it('neither share alone produces a valid signature', () => {
    const digest = randomBytes(32);
    // Each share used as an ordinary private key.
    for (const x of [base.p1.x1, base.p2.x2]) {
      const sk = Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
      const sig = secp256k1.sign(digest, sk, { prehash: false });
      expect(secp256k1.verify(sig, digest, Q, { prehash: false })).toBe(false);
    }
    // P1's real state with an impostor P2 (a random x2 but the real c_key and N): P1 rejects.
    const fakeP2: EcdsaP2Share = { ...base.p2, x2: randNonZeroBelow(q) };
    expectMpcError(
      () => runEcdsaSign(new EcdsaP1(base.p1), new EcdsaP2(fakeP2), digest),
      MpcErrorId.BadProof,
      /does not verify/,
    );
    // P2's real state with an impostor P1 (own x1 and Paillier key): the result cannot verify either.
    const fakeP1: EcdsaP1Share = { ...base.p1, x1: randNonZeroBelow(q / 3n), paillier: testPaillierKey(1) };
    expect(() => runEcdsaSign(new EcdsaP1(fakeP1), new EcdsaP2(base.p2), digest)).toThrow();
  });

  it('presignatures: the online step needs only c3 + one decryption, and each presignature is used once', () => {
    const p1 = new EcdsaP1(base.p1);
    const p2 = new EcdsaP2(base.p2);
    const id = runEcdsaPresign(p1, p2);
    expect(p1.hasPresignature(id) && p2.hasPresignature(id)).toBe(true);
    const d1 = randomBytes(32);
    const partial = p2.partialSign(id, d1);
    expect(p2.hasPresignature(id)).toBe(false);
    expect(verifies(p1.finish(partial, d1), d1, Q)).toBe(true);
    expect(p1.hasPresignature(id)).toBe(false);
    // Reuse would leak the key (two messages, same k): both parties refuse.
    const d2 = randomBytes(32);
    expectMpcError(() => p2.partialSign(id, d2), MpcErrorId.PresignatureUnavailable);
    expectMpcError(() => p1.finish(partial, d1), MpcErrorId.PresignatureUnavailable);
    expectMpcError(() => runEcdsaOnline(p1, p2, id, d2), MpcErrorId.PresignatureUnavailable);
  });

  it('rejects a bad proof of knowledge for Q2 (P1 side)', () => {
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/2', (m) => {
            m.q2Proof.z = flipHex(m.q2Proof.z);
          }),
        ),
      MpcErrorId.BadProof,
      /Q2/,
    );
  });

  it('rejects a bad proof of knowledge for Q1 even when the commitment opens (P2 side)', () => {
    // A man in the middle commits to its own Q1 with a proof made for another point, then opens that.
    const x = randNonZeroBelow(q);
    const forged = { q1: pointToHex(G.multiply(x)), q1Proof: proveDlog(x + 1n, G.multiply(x + 1n), 'other') };
    let blind = '';
    const tamper: Tamper = (step, m: Msg) => {
      if (step.startsWith('keygen/1')) {
        const c = commit('keygen/Q1', m.sessionId, forged.q1, forged.q1Proof.t, forged.q1Proof.z);
        m.q1Commitment = c.commitment;
        blind = c.blind;
      }
      if (step.startsWith('keygen/3')) Object.assign(m, forged, { blind });
      return m;
    };
    expectMpcError(() => runEcdsaKeyGen(testPaillierKey(0), tamper), MpcErrorId.BadProof, /Q1: proof of knowledge/);
  });

  it('rejects a Q1 that does not open the commitment', () => {
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/3', (m) => {
            m.q1 = pointToHex(G.multiply(5n));
          }),
        ),
      MpcErrorId.BadCommitment,
    );
  });

  it('rejects a bad Paillier modulus: too short, small factor, wrong proof', async () => {
    const small = await PaillierPrivateKey.generate(1024);
    expectMpcError(() => runEcdsaKeyGen(small), MpcErrorId.BadPaillierKey, /at least 2048/);
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/3', (m) => {
            m.n = toHex(BigInt(`0x${m.n}`) * 3n);
          }),
        ),
      MpcErrorId.BadPaillierKey,
      /prime factor below/,
    );
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/3', (m) => {
            m.nProof.sigmas[3] = flipHex(m.nProof.sigmas[3]);
          }),
        ),
      MpcErrorId.BadPaillierKey,
      /does not verify/,
    );
    // Another party's (well formed) modulus presented with this proof.
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/3', (m) => {
            m.n = toHex(testPaillierKey(1).n);
          }),
        ),
      MpcErrorId.BadPaillierKey,
    );
  }, 180_000);

  it('PDL: rejects a c_key that does not encrypt the discrete log of Q1 (even with a valid range proof)', () => {
    const sk = testPaillierKey(0);
    let sessionId = '';
    const tamper: Tamper = (step, m: Msg) => {
      if (step.startsWith('keygen/1')) sessionId = m.sessionId;
      if (step.startsWith('keygen/3')) {
        const other = randNonZeroBelow(q / 3n);
        const ckey = new PaillierPublicKey(BigInt(`0x${m.n}`)).encrypt(other);
        m.ckey = toHex(ckey);
        m.ckeyRange = proveRange(sk, ckey, other, q / 3n, `${sessionId}/keygen/range`);
      }
      return m;
    };
    expectMpcError(() => runEcdsaKeyGen(sk, tamper), MpcErrorId.BadProof, /PDL/);
  }, 120_000);

  it('range proof: rejects c_key = Enc(x1 + j·q), which the PDL proof alone would accept', () => {
    const sk = testPaillierKey(0);
    for (const j of [1n, 3n]) {
      let sessionId = '';
      const tamper: Tamper = (step, m: Msg) => {
        if (step.startsWith('keygen/1')) sessionId = m.sessionId;
        if (step.startsWith('keygen/3')) {
          const big = sk.decrypt(BigInt(`0x${m.ckey}`)) + j * q;
          const ckey = sk.encrypt(big);
          m.ckey = toHex(ckey);
          // The cheating P1 runs the proof with a bound its plaintext satisfies.
          m.ckeyRange = proveRange(sk, ckey, big, 5n * q, `${sessionId}/keygen/range`);
        }
        return m;
      };
      expectMpcError(() => runEcdsaKeyGen(sk, tamper), MpcErrorId.BadProof, /Range proof/);
    }
  }, 180_000);

  it('range proof: rejects a tampered proof and a proof replayed from another session', () => {
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/3', (m) => {
            m.ckeyRange.c2[7] = flipHex(m.ckeyRange.c2[7]);
          }),
        ),
      MpcErrorId.BadProof,
      /Range proof/,
    );
    // Same key, same c_key, the proof of an earlier session: the context (session id) does not match.
    let earlier: { ckey: string; ckeyRange: RangeProof } | undefined;
    runEcdsaKeyGen(
      testPaillierKey(0),
      at('keygen/3', (m) => {
        earlier = { ckey: m.ckey, ckeyRange: m.ckeyRange };
      }),
    );
    const sk = testPaillierKey(0);
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          sk,
          at('keygen/3', (m) => {
            // Keep this session's c_key (so PDL would pass) but another session's proof.
            m.ckeyRange = earlier?.ckeyRange;
          }),
        ),
      MpcErrorId.BadProof,
      /Range proof/,
    );
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          sk,
          at('keygen/3', (m) => {
            delete m.ckeyRange;
          }),
        ),
      MpcErrorId.BadProof,
      /Range proof/,
    );
  }, 180_000);

  it('PDL: rejects a tampered Q̂ opening, and the prover rejects an inconsistent challenge', () => {
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/7', (m) => {
            m.qHat = pointToHex(G.multiply(7n));
          }),
        ),
      MpcErrorId.BadCommitment,
    );
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/6', (m) => {
            m.b = toHex(BigInt(`0x${m.b}`) + 1n);
          }),
        ),
      MpcErrorId.BadCommitment,
    );
    // A verifier that builds c′ from a different (a, b) than it committed to is caught by P1.
    expectMpcError(
      () =>
        runEcdsaKeyGen(
          testPaillierKey(0),
          at('keygen/4', (m) => {
            m.cPrime = toHex(testPaillierKey(0).publicKey.encrypt(12345n));
          }),
        ),
      MpcErrorId.BadProof,
      /inconsistent/,
    );
  }, 180_000);

  it('signing rejects a bad R2 proof and a wrong R1 opening', () => {
    const p1 = new EcdsaP1(base.p1);
    const p2 = new EcdsaP2(base.p2);
    const digest = randomBytes(32);
    expectMpcError(
      () =>
        runEcdsaSign(
          p1,
          p2,
          digest,
          at('sign/2', (m) => {
            m.r2Proof.z = flipHex(m.r2Proof.z);
          }),
        ),
      MpcErrorId.BadProof,
      /R2/,
    );
    expectMpcError(
      () =>
        runEcdsaSign(
          p1,
          p2,
          digest,
          at('sign/3', (m) => {
            m.r1 = pointToHex(G.multiply(3n));
          }),
        ),
      MpcErrorId.BadCommitment,
    );
    expectMpcError(
      () =>
        runEcdsaSign(
          p1,
          p2,
          digest,
          at('sign/4', (m) => {
            m.c3 = toHex((BigInt(`0x${m.c3}`) * 2n) % base.p1.paillier.publicKey.n2);
          }),
        ),
      MpcErrorId.BadProof,
    );
  });

  it('re-sharing: P2 rejects a new c_key outside the range', () => {
    const sk = testPaillierKey(1);
    let sessionId = '';
    const tamper: Tamper = (step, m: Msg) => {
      if (step.startsWith('reshare/1')) sessionId = m.sessionId;
      if (step.startsWith('reshare/3')) {
        const big = sk.decrypt(BigInt(`0x${m.ckey}`)) + q;
        const ckey = sk.encrypt(big);
        m.ckey = toHex(ckey);
        m.ckeyRange = proveRange(sk, ckey, big, 5n * q, `${sessionId}/reshare/range`);
      }
      return m;
    };
    expectMpcError(() => runEcdsaReshare(base.p1, base.p2, sk, tamper), MpcErrorId.BadProof, /Range proof/);
  }, 120_000);

  it('re-sharing keeps Q, needs a fresh Paillier key, and old shares no longer combine with new ones', () => {
    const next = runEcdsaReshare(base.p1, base.p2, testPaillierKey(1));
    expect(next.p1.Q.equals(base.p1.Q) && next.p2.Q.equals(base.p2.Q)).toBe(true);
    expect(next.p1.x1).not.toBe(base.p1.x1);
    expect(next.p2.x2).not.toBe(base.p2.x2);
    const digest = randomBytes(32);
    expect(verifies(runEcdsaSign(new EcdsaP1(next.p1), new EcdsaP2(next.p2), digest), digest, Q)).toBe(true);
    expect(() => runEcdsaSign(new EcdsaP1(next.p1), new EcdsaP2(base.p2), digest)).toThrow();
    expect(() => runEcdsaSign(new EcdsaP1(base.p1), new EcdsaP2(next.p2), digest)).toThrow();
    expect(() => runEcdsaReshare(base.p1, base.p2, base.p1.paillier)).toThrow(/fresh Paillier key/);
    expectMpcError(
      () =>
        runEcdsaReshare(
          base.p1,
          base.p2,
          testPaillierKey(1),
          at('reshare/3', (m) => {
            m.q1 = pointToHex(G.multiply(9n));
          }),
        ),
      MpcErrorId.BadProof,
    );
    expectMpcError(
      () =>
        runEcdsaReshare(
          base.p1,
          base.p2,
          testPaillierKey(1),
          at('reshare/3', (m) => {
            m.delta1 = toHex(BigInt(`0x${m.delta1}`) + 1n);
          }),
        ),
      MpcErrorId.BadCommitment,
    );
  }, 180_000);
});
