/**
 * The Bitcoin transfer contract through the API and the workflow with the Esplora backend (the Esplora test
 * peer on a real regtest node): send to finalized with balances, idempotent resend, bad input, insufficient
 * funds, concurrent sends from one wallet, and a reorg.
 */
import { expect, it } from 'vitest';
import type { BitcoinRegtestNode } from '../peers/bitcoin-regtest.js';
import type { EsploraTestPeer } from '../peers/esplora/index.js';
import { bitcoinEsploraCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  blockHash: string | null;
}

describeChainE2E(bitcoinEsploraCase, (ctx) => {
  it('lists, broadcasts and watches through Esplora; reserved inputs are the signed ones; a reorg is seen', async () => {
    const { stack, chain } = ctx();
    const { node, peer, pauseMining, resumeMining } = chain.extra as {
      node: BitcoinRegtestNode;
      peer: EsploraTestPeer;
      pauseMining(): void;
      resumeMining(): void;
    };
    const wallet = await ctx().fundedWallet('esplora-reorg');
    const served = peer.requests.length;
    pauseMining();
    try {
      const sent = await stack.call<TransferBody>('POST', '/v1/assets/send', {
        chain: 'bitcoin-regtest',
        to: ctx().randomRecipient(),
        token: 'NATIVE',
        amount: '0.2',
        walletId: wallet.walletId,
      });
      expect(sent.status).toBe(200);
      const mine = peer.requests.slice(served);
      expect(mine).toContain(`GET /address/${wallet.address}/utxo`);
      expect(mine).toContain('POST /tx');

      const attempt = await stack.runtime.prisma.transferAttempt.findFirstOrThrow({
        where: { transferId: sent.body.transferId },
      });
      const signedInputs = (attempt.details as { inputs: { txid: string; vout: number }[] }).inputs
        .map((i) => `${i.txid}:${i.vout}`)
        .sort();
      const reserved = await stack.runtime.prisma.utxoReservation.findMany({
        where: { transferId: sent.body.transferId },
        orderBy: { outpoint: 'asc' },
      });
      expect(reserved.map((r) => r.outpoint)).toEqual(signedInputs);

      const [blockHash] = await node.mine(1);
      const confirmed = await waitForTransfer<TransferBody>(
        stack,
        sent.body.transferId,
        (t) => t.status === 'confirmed',
      );
      expect(confirmed.blockHash).toBe(blockHash);
      await node.rpc('invalidateblock', [blockHash]);
      await waitForTransfer<TransferBody>(stack, sent.body.transferId, (t) => t.status === 'submitted');
      resumeMining();
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      expect(final.blockHash).not.toBe(blockHash);
      expect(peer.requests.slice(served)).toContain(`GET /tx/${sent.body.transactionHash}/status`);
    } finally {
      resumeMining();
    }
  });
});
