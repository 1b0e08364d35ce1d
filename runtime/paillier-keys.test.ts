import { describe, expect, it } from 'vitest';
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
    expect(new Set([first.n, second.n, third.n]).size).toBe(3);
    pool.stop();
    expect(pool.available).toBe(0);
  });
});
