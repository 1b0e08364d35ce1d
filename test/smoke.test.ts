import pg from 'pg';
import { describe, expect, it } from 'vitest';

describe('test stack', () => {
  it('reaches PostgreSQL, Temporal and anvil', async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query('select 1 as one');
    await client.end();
    expect((rows[0] as { one: number }).one).toBe(1);
    const res = await fetch(process.env.RPC_URL_ANVIL!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    expect(((await res.json()) as { result: string }).result).toBe('0x7a69');
    expect(process.env.TEMPORAL_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
