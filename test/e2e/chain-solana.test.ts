import { expect, it } from 'vitest';
import type { SolanaTestPeer } from '../peers/solana/server.js';
import { solanaCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

describeChainE2E(solanaCase, (ctx) => {
  it('sends an SPL token to a recipient without a token account (created) and reaches finalized', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as SolanaTestPeer;
    const wallet = await ctx().fundedWallet('spl');
    const mint = peer.createMint(6);
    peer.mintTo(mint, wallet.address, 5_000_000n);
    const to = ctx().randomRecipient();
    const sent = await stack.call<{ transferId: string; metadata: { tokenDecimals: number; rawAmount: string } }>(
      'POST',
      '/v1/assets/send',
      {
        chain: 'solana-local',
        to,
        token: mint,
        amount: '1.25',
        walletId: wallet.walletId,
      },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.metadata).toMatchObject({ tokenDecimals: 6, rawAmount: '1250000' });
    const final = await waitForTransfer<{ status: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(peer.tokenBalance(mint, to)).toBe(1_250_000n);
    expect(peer.tokenBalance(mint, wallet.address)).toBe(3_750_000n);
  });

  it('declares a broadcast transaction that never lands expired after its blockhash window, without re-signing', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as SolanaTestPeer;
    const wallet = await ctx().fundedWallet('dropped');
    const to = ctx().randomRecipient();
    peer.setDropIncoming(true); // the RPC accepts it, the cluster never includes it
    try {
      const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
        chain: 'solana-local',
        to,
        token: 'NATIVE',
        amount: '0.01',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      const final = await waitForTransfer<{ status: string; error: { id: string } | null; transactionHash: string }>(
        stack,
        sent.body.transferId,
      );
      expect(final).toMatchObject({
        status: 'failed',
        error: { id: 'tx_expired' },
        transactionHash: sent.body.transactionHash,
      });
      const attempts = await stack.runtime.prisma.transferAttempt.findMany({
        where: { transferId: sent.body.transferId },
      });
      expect(attempts).toHaveLength(1);
      expect(await chain.balance(to)).toBe(0n);
    } finally {
      peer.setDropIncoming(false);
    }
  });
});
