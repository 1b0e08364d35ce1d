import { describe, expect, it } from 'vitest';
import { paillierKeyOf } from '../signer/mpc/ecdsa2p.js';
import { RangeCommitments } from '../signer/mpc/range-proof.js';
import { q } from '../signer/mpc/secp.js';
import { testPaillierKey } from '../signer/mpc/test-keys.js';
import { PaillierKeyPool } from './paillier-keys.js';

describe('PaillierKeyPool', () => {
  it('is lazy, refills in the background after a take, and never hands a key out twice', async () => {
    let made = 0;
    const pool = new PaillierKeyPool(2, async () => testPaillierKey(made++));
    expect(made).toBe(0); // nothing generated until the first take
    const first = await pool.take();
    await new Promise((r) => setTimeout(r, 10));
    expect(pool.available).toBe(2);
    const second = await pool.take();
    const third = await pool.take();
    expect(new Set([first, second, third].map((k) => paillierKeyOf(k).n)).size).toBe(3);
    pool.stop();
    expect(pool.available).toBe(0);
  });

  it('with prepare: pooled keys come with one-time range-proof commitments; an on-demand key comes bare', async () => {
    let made = 0;
    let prepared = 0;
    const pool = new PaillierKeyPool(
      2,
      async () => testPaillierKey(made++),
      async (key) => {
        prepared++;
        return { key, rangeCommitments: RangeCommitments.prepare(key, q / 3n, 2) };
      },
    );
    const first = await pool.take(); // pool empty: generated now, not prepared
    expect('rangeCommitments' in first).toBe(false);
    for (let i = 0; i < 100 && pool.available < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.available).toBe(2);
    expect(prepared).toBe(2);
    const second = await pool.take();
    if (!('rangeCommitments' in second)) throw new Error('expected a prepared key');
    expect(second.rangeCommitments.spent).toBe(false);
    expect(second.rangeCommitments.n).toBe(second.key.n);
    const third = await pool.take();
    expect(new Set([first, second, third].map((k) => paillierKeyOf(k).n)).size).toBe(3);
    pool.stop();
  });

  it('a key whose precomputation fails is still pooled (bare)', async () => {
    const pool = new PaillierKeyPool(
      1,
      async () => testPaillierKey(5),
      async () => {
        throw new Error('compute pool closed');
      },
    );
    await pool.take();
    for (let i = 0; i < 100 && pool.available < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const key = await pool.take();
    expect('rangeCommitments' in key).toBe(false);
    expect(paillierKeyOf(key).n).toBe(testPaillierKey(5).n);
    pool.stop();
  });
});
