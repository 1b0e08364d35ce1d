import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { errorText } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { EcdsaKeyPair } from './compute.js';
import { type ComputeRequest, keyGenRequest } from './compute.js';
import { ComputePool } from './compute-pool.js';
import { compactSignature, EcdsaP1, EcdsaP2, verifyEcdsa } from './ecdsa2p.js';
import { MpcErrorId } from './errors.js';
import { runEcdsaOnline, runEcdsaPresign, runEcdsaSign } from './protocol.js';
import { testPaillierKey } from './test-keys.js';

/** Signs a random digest with the pair (in this thread) and checks it as a chain would. */
function expectSigns(pair: EcdsaKeyPair) {
  const digest = randomBytes(32);
  const sig = runEcdsaSign(new EcdsaP1(pair.p1), new EcdsaP2(pair.p2), digest);
  const Q = pair.p1.Q.toBytes(true);
  const compact = compactSignature(sig);
  expect(secp256k1.verify(compact, digest, Q, { prehash: false })).toBe(true);
  const recovered = secp256k1.recoverPublicKey(Uint8Array.of(sig.recovery, ...compact), digest, { prehash: false });
  expect(Buffer.from(recovered).equals(Buffer.from(Q))).toBe(true);
}

async function rejection(p: Promise<unknown>): Promise<{ id?: string; message: string; text: string }> {
  try {
    await p;
  } catch (err) {
    return { id: (err as { id?: string }).id, message: (err as Error).message, text: errorText(err) };
  }
  throw new Error('expected the call to fail');
}

const pools: ComputePool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('ComputePool: secp256k1 key generation and re-sharing on a worker thread', () => {
  const pool = new ComputePool();
  pools.push(pool);
  let pair: EcdsaKeyPair;

  it('key generation through the pool yields a key that signs, and the event loop keeps running meanwhile', async () => {
    expect(pool.threads).toBe(0); // lazy: no thread before the first call
    let ticks = 0;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      ticks++;
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    try {
      pair = await pool.ecdsaKeyGen(testPaillierKey(0));
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // ≈ 5 s of range proof etc. in the worker. A blocked thread would see at most one or two ticks (timers
    // fire once it is free again) and one gap as long as the call; here the timer keeps firing throughout.
    expect(elapsed).toBeGreaterThan(500);
    expect(ticks).toBeGreaterThanOrEqual(20);
    expect(maxGap).toBeLessThan(elapsed / 2);
    expect(pool.threads).toBe(1);
    expectSigns(pair);
  }, 120_000);

  it('re-sharing through the pool keeps the public key and gives shares that sign', async () => {
    const next = await pool.ecdsaReshare(pair.p1, pair.p2, testPaillierKey(1));
    expect(next.p1.Q.equals(pair.p1.Q)).toBe(true);
    expect(next.p1.x1).not.toBe(pair.p1.x1);
    expect(next.p1.paillier.n).toBe(testPaillierKey(1).n);
    expectSigns(next);
  }, 120_000);

  it('an error thrown in the worker fails the call; only its class name crosses', async () => {
    const err = await rejection(pool.ecdsaReshare(pair.p1, pair.p2, pair.p1.paillier));
    // EcdsaP1Reshare refuses the old Paillier key with a plain Error: only its class name crosses.
    expect(err.id).toBe(ErrorId.SigningFailed);
    expect(err.message).toMatch(/re-sharing failed: Error in the compute worker/);
  });

  it('precomputed range-proof commitments: prepared on the worker, used once by a keygen on the worker', async () => {
    const prepared = await pool.prepareEcdsaPaillierKey(testPaillierKey(5));
    expect(prepared.rangeCommitments.count).toBe(128);
    expect(prepared.rangeCommitments.n).toBe(testPaillierKey(5).n);
    const keyed = await pool.ecdsaKeyGen(prepared);
    expect(prepared.rangeCommitments.spent).toBe(true); // moved to the worker, gone here
    expect(keyed.p1.paillier.n).toBe(testPaillierKey(5).n);
    expectSigns(keyed);
    await expect(pool.ecdsaKeyGen(prepared)).rejects.toThrow(/already used/);
  }, 120_000);

  it('presignatures made on the worker: both halves imported here, each signs once', async () => {
    const p1 = new EcdsaP1(pair.p1);
    const p2 = new EcdsaP2(pair.p2);
    const ids = [await pool.ecdsaPresign(p1, p2), await pool.ecdsaPresign(p1, p2)];
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      expect(p1.hasPresignature(id) && p2.hasPresignature(id)).toBe(true);
      const digest = randomBytes(32);
      expect(verifyEcdsa(runEcdsaOnline(p1, p2, id, digest), digest, pair.p1.Q)).toBe(true);
      expect(p1.hasPresignature(id) || p2.hasPresignature(id)).toBe(false);
      expect(() => runEcdsaOnline(p1, p2, id, digest)).toThrow(
        expect.objectContaining({ id: MpcErrorId.PresignatureUnavailable }),
      );
    }
  }, 60_000);

  it('a presignature half moves (export removes it; a known or consumed session cannot be imported again)', () => {
    const a1 = new EcdsaP1(pair.p1);
    const a2 = new EcdsaP2(pair.p2);
    const id = runEcdsaPresign(a1, a2);
    const h1 = a1.exportPresignature(id);
    const h2 = a2.exportPresignature(id);
    expect(a1.hasPresignature(id) || a2.hasPresignature(id)).toBe(false);
    expect(() => a1.exportPresignature(id)).toThrow(
      expect.objectContaining({ id: MpcErrorId.PresignatureUnavailable }),
    );
    const b1 = new EcdsaP1(pair.p1);
    const b2 = new EcdsaP2(pair.p2);
    b1.importPresignature(h1);
    b2.importPresignature(h2);
    expect(() => b1.importPresignature(h1)).toThrow(expect.objectContaining({ id: MpcErrorId.BadMessage }));
    const digest = randomBytes(32);
    expect(verifyEcdsa(runEcdsaOnline(b1, b2, id, digest), digest, pair.p1.Q)).toBe(true);
    expect(() => runEcdsaOnline(b1, b2, id, digest)).toThrow(
      expect.objectContaining({ id: MpcErrorId.PresignatureUnavailable }),
    );
    // An inconsistent half (r does not match R) is refused.
    const c1 = new EcdsaP1(pair.p1);
    expect(() => c1.importPresignature({ ...h1, sessionId: 'other-session-0123456789', r: h2.kInv })).toThrow(
      expect.objectContaining({ id: MpcErrorId.BadMessage }),
    );
  });

  it('close() terminates the workers and later calls fail cleanly', async () => {
    await pool.close();
    expect(pool.threads).toBe(0);
    const err = await rejection(pool.ecdsaKeyGen(testPaillierKey(0)));
    expect(err.id).toBe(ErrorId.SigningFailed);
    expect(err.message).toMatch(/closed/);
  });
});

describe('ComputePool: failing workers', () => {
  const pool = new ComputePool({ entry: new URL('./compute-pool.faulty-worker.ts', import.meta.url) });
  pools.push(pool);
  const faulty = (fault: string) =>
    pool.run({ ...keyGenRequest(testPaillierKey(0)), fault } as ComputeRequest & { fault: string });

  it('a worker that exits or throws fails that call with a clean error; the next call still works', async () => {
    const exited = await rejection(faulty('exit'));
    expect(exited.id).toBe(ErrorId.SigningFailed);
    expect(exited.message).toMatch(/key generation failed: the compute worker exited \(code 3\)/);

    const crashed = await rejection(faulty('uncaught'));
    expect(crashed.id).toBe(ErrorId.SigningFailed);
    expect(crashed.message).toMatch(/the compute worker crashed/);
    expect(crashed.text).not.toMatch(/5eec7e7/);

    const threw = await rejection(faulty('throw'));
    expect(threw.id).toBe(ErrorId.SigningFailed);
    expect(threw.message).toMatch(/TypeError in the compute worker/);
    expect(threw.text).not.toMatch(/5eec7e7/);

    const mpc = await rejection(faulty('mpc'));
    expect(mpc.id).toBe(MpcErrorId.BadProof);
    expect(mpc.message).toMatch(/Range proof/);

    // Calls queued behind a crash run on the replacement worker.
    const [lost, next] = await Promise.allSettled([faulty('exit'), pool.ecdsaKeyGen(testPaillierKey(2))]);
    expect(lost.status).toBe('rejected');
    expect(next.status).toBe('fulfilled');
    if (next.status === 'fulfilled') expectSigns(next.value);
    expect(pool.threads).toBe(1);
  }, 120_000);

  it('a worker whose entry cannot load fails the waiting calls (no respawn loop)', async () => {
    const broken = new ComputePool({ entry: new URL('./no-such-compute-worker.ts', import.meta.url) });
    pools.push(broken);
    const err = await rejection(broken.ecdsaKeyGen(testPaillierKey(0)));
    expect(err.id).toBe(ErrorId.SigningFailed);
    expect(err.message).toMatch(/the compute worker could not start/);
    expect(broken.threads).toBe(0);
    await broken.close();
  });

  it('close() during a call fails that call and leaves no thread', async () => {
    const running = rejection(pool.ecdsaKeyGen(testPaillierKey(3)));
    const queued = rejection(pool.ecdsaKeyGen(testPaillierKey(4)));
    await new Promise((r) => setTimeout(r, 300)); // the first call is on the (already started) worker
    await pool.close();
    expect((await running).message).toMatch(/closed during the call/);
    expect((await queued).message).toMatch(/the compute pool is closed/);
    expect(pool.threads).toBe(0);
  });
});
