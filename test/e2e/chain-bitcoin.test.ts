import { expect, it } from 'vitest';
import type { BitcoinRegtestNode } from '../peers/bitcoin-regtest.js';
import { bitcoinCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

interface TransferBody {
  transferId: string;
  status: string;
  confirmations: number;
  blockHash: string | null;
}

describeChainE2E(bitcoinCase, (ctx) => {
  it('moves a confirmed transfer back to submitted on a reorg, then finalizes on the new branch', async () => {
    const { stack, chain } = ctx();
    const { node, pauseMining, resumeMining } = chain.extra as {
      node: BitcoinRegtestNode;
      pauseMining(): void;
      resumeMining(): void;
    };
    const wallet = await ctx().fundedWallet('reorg');
    pauseMining();
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'bitcoin-regtest',
        to: ctx().randomRecipient(),
        token: 'NATIVE',
        amount: '0.2',
        walletId: wallet.walletId,
      });
      expect(sent.status).toBe(200);
      const [blockHash] = await node.mine(1);
      const confirmed = await waitForTransfer<TransferBody>(
        stack,
        sent.body.transferId,
        (t) => t.status === 'confirmed',
      );
      expect(confirmed.blockHash).toBe(blockHash);
      await node.rpc('invalidateblock', [blockHash]);
      const back = await waitForTransfer<TransferBody>(stack, sent.body.transferId, (t) => t.status === 'submitted');
      expect(back).toMatchObject({ confirmations: 0, blockHash: null });
      resumeMining();
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      expect(final.blockHash).not.toBe(blockHash);
    } finally {
      resumeMining();
    }
  });
});
