import { expect, it } from 'vitest';
import { TEST_USDT_ADDRESS, type TronTestPeer } from '../peers/tron/index.js';
import { tronCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

describeChainE2E(tronCase, (ctx) => {
  it('sends TRC-20 USDT (by symbol) to finalized with token balances moved', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as TronTestPeer;
    const wallet = await ctx().fundedWallet('usdt');
    peer.mint(TEST_USDT_ADDRESS, wallet.address, 10_000_000n);
    const to = ctx().randomRecipient();
    const sent = await stack.call<{ transferId: string; metadata: { tokenAddress: string } }>(
      'POST',
      '/v1/assets/send',
      {
        chain: 'tron-local',
        to,
        token: 'USDT',
        amount: '2.5',
        walletId: wallet.walletId,
      },
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.metadata.tokenAddress).toBe(TEST_USDT_ADDRESS);
    const final = await waitForTransfer<{ status: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, to)).toBe(2_500_000n);
    expect(peer.trc20BalanceOf(TEST_USDT_ADDRESS, wallet.address)).toBe(7_500_000n);
  });

  it('a memo transfer pays the 1 TRX memo fee (TIP-387): reported in fee, burnt by the peer', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as TronTestPeer;
    const wallet = await ctx().fundedWallet('memo');
    const to = ctx().randomRecipient();
    peer.fund(to, 1n); // an existing account: no activation fee in the total
    const before = peer.balanceOf(wallet.address);
    const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'tron-local',
      to,
      token: 'NATIVE',
      amount: '1.5',
      walletId: wallet.walletId,
      metadataStr: 'invoice 42',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForTransfer<{ status: string; fee: string | null }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(final.fee).toBe('1000000'); // free bandwidth covers the bytes
    expect(before - peer.balanceOf(wallet.address)).toBe(1_500_000n + BigInt(final.fee!));
  });

  it("lands through TronGrid's rate limit (HTTP 200 with an { Error } body): retried, not failed", async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as TronTestPeer;
    const wallet = await ctx().fundedWallet('limited');
    const to = ctx().randomRecipient();
    const limitedBefore = peer.rateLimited();
    peer.rateLimit(3);
    const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'tron-local',
      to,
      token: 'NATIVE',
      amount: '1.5',
      walletId: wallet.walletId,
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const final = await waitForTransfer<{ status: string }>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(peer.rateLimited() - limitedBefore).toBe(3);
    expect(peer.balanceOf(to)).toBe(1_500_000n);
  });
});
