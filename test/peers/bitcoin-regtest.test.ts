import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startBitcoinRegtest } from './bitcoin-regtest.js';

describe('bitcoin regtest node', () => {
  it('starts on a free port, mines, and shuts down cleanly removing its data dir', async () => {
    const node = await startBitcoinRegtest();
    try {
      expect(node.rpcUrl).toBe(`http://u:p@127.0.0.1:${node.port}`);
      const info = await node.rpc<{ chain: string; blocks: number; softforks: { segwit: { active: boolean } } }>(
        'getblockchaininfo',
      );
      expect(info.chain).toBe('regtest');
      expect(info.softforks.segwit.active).toBe(true);
      const hashes = await node.mine(3);
      expect(hashes).toHaveLength(3);
      expect(await node.rpc('getblockcount')).toBe(info.blocks + 3);
      expect(await node.rpc('getbestblockhash')).toBe(hashes[2]);
    } finally {
      await node.stop();
    }
    expect(existsSync(node.dataDir)).toBe(false);
    await expect(node.rpc('getblockcount')).rejects.toThrow();
  });
});
