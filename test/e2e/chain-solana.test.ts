import { VersionedTransaction } from '@solana/web3.js';
import { expect, it } from 'vitest';
import { computeBudgetOf } from '../peers/solana/chain.js';
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

  it('a transaction that never lands is re-signed only after its blockhash is proven expired; 3 expiries → failed', async () => {
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
      const final = await waitForTransfer<{ status: string; error: { id: string } | null }>(
        stack,
        sent.body.transferId,
      );
      expect(final).toMatchObject({ status: 'failed', error: { id: 'tx_expired' } });
      const attempts = await stack.runtime.prisma.transferAttempt.findMany({
        where: { transferId: sent.body.transferId },
        orderBy: { attempt: 'asc' },
      });
      expect(attempts).toHaveLength(3);
      expect(attempts[0]!.txHash).toBe(sent.body.transactionHash);
      for (const [i, a] of attempts.entries()) {
        expect(a.deadEvidence).toMatch(/lastValidBlockHeight/);
        // Each new signature only after the previous attempt was proven dead.
        if (i > 0) {
          expect(a.createdAt.getTime()).toBeGreaterThanOrEqual(attempts[i - 1]!.deadAt!.getTime());
          expect(a.reason).toContain('proven dead');
        }
      }
      expect(await chain.balance(to)).toBe(0n);
    } finally {
      peer.setDropIncoming(false);
    }
  });

  it('a dropped transaction is re-signed after its proven expiry and the new one lands: paid once; /history shows why', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as SolanaTestPeer;
    const wallet = await ctx().fundedWallet('dropped-once');
    const to = ctx().randomRecipient();
    peer.setDropIncoming(true);
    let dropping = true;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'solana-local',
        to,
        token: 'NATIVE',
        amount: '0.02',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      // Solana cannot replace a signed transaction (no nonce): speed-up / cancel are refused, nothing is signed.
      for (const path of ['speed-up', 'cancel']) {
        const refused = await stack.call<{ id: string; message: string }>(
          'POST',
          `/v1/transfers/${sent.body.transferId}/${path}`,
          {},
        );
        expect(refused.status, JSON.stringify(refused.body)).toBe(400);
        expect(refused.body).toMatchObject({ id: 'replacement_unsupported', message: expect.any(String) });
      }
      expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: sent.body.transferId } })).toBe(1);
      // The cluster recovers once the first attempt is proven dead.
      for (let i = 0; i < 300 && dropping; i++) {
        const first = await stack.runtime.prisma.transferAttempt.findFirst({
          where: { transferId: sent.body.transferId, attempt: 1 },
        });
        if (first?.deadAt) {
          peer.setDropIncoming(false);
          dropping = false;
        } else await new Promise((r) => setTimeout(r, 100));
      }
      expect(dropping).toBe(false);
      const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      const landed = await stack.runtime.prisma.transferAttempt.findMany({
        where: { transferId: sent.body.transferId, deadAt: null },
      });
      expect(landed.map((a) => a.txHash)).toEqual([final.transactionHash]);
      expect(await chain.balance(to)).toBe(20_000_000n);

      // The operator's story: attempt 1 signed, proven dead (with the chain's evidence), then the re-sign quoting it.
      const history = await stack.call<{ events: { event: string; attempt?: number; detail?: string }[] }>(
        'GET',
        `/v1/transfers/${sent.body.transferId}/history`,
      );
      expect(history.status).toBe(200);
      const attemptEvents = history.body.events.filter((e) => e.event.startsWith('attempt.'));
      const signed1 = attemptEvents.findIndex((e) => e.event === 'attempt.signed' && e.attempt === 1);
      const dead1 = attemptEvents.findIndex((e) => e.event === 'attempt.dead' && e.attempt === 1);
      const signed2 = attemptEvents.findIndex((e) => e.event === 'attempt.signed' && e.attempt === 2);
      expect(
        [signed1, dead1, signed2].every((i) => i >= 0),
        JSON.stringify(attemptEvents),
      ).toBe(true);
      expect(signed1).toBeLessThan(dead1);
      expect(dead1).toBeLessThan(signed2);
      expect(attemptEvents[signed1]!.detail).toBe('initial');
      const evidence = attemptEvents[dead1]!.detail!;
      expect(evidence).toMatch(/lastValidBlockHeight/);
      expect(attemptEvents[signed2]!.detail).toContain('proven dead');
      expect(attemptEvents[signed2]!.detail).toContain(evidence);
      expect(attemptEvents.some((e) => e.event === 'attempt.dead' && e.attempt === 2)).toBe(false);
    } finally {
      peer.setDropIncoming(false);
    }
  });

  it('congestion: leaders drop bids below the market and ignore the first sends; the transfer still lands, paid once', async () => {
    const { stack, chain } = ctx();
    const peer = chain.extra!.peer as SolanaTestPeer;
    const wallet = await ctx().fundedWallet('congested');
    const to = ctx().randomRecipient();
    const minMicroLamports = 5_000;
    // One ignored send per transaction: only a resend of the same bytes can land it (a loaded CI machine polls
    // too slowly to promise more resends inside the peer's 4 s blockhash window).
    peer.setCongestion({ minMicroLamports, ignoreFirstSends: 1 });
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'solana-local',
        to,
        token: 'NATIVE',
        amount: '0.03',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, sent.body.transferId);
      const attempts = await stack.runtime.prisma.transferAttempt.findMany({
        where: { transferId: sent.body.transferId },
      });
      const story = attempts.map((a) => ({ attempt: a.attempt, reason: a.reason, dead: a.deadEvidence }));
      expect(final.status, JSON.stringify({ final, story })).toBe('finalized');
      // Exactly one signature of the transfer is on chain, and it is the one reported.
      const onChain = attempts.filter((a) => peer.chain.landedTx(a.txHash));
      expect(onChain.map((a) => a.txHash)).toEqual([final.transactionHash]);
      expect(peer.chain.sendCount(final.transactionHash)).toBeGreaterThanOrEqual(2);
      expect(await chain.balance(to)).toBe(30_000_000n);
      // Every attempt carried a compute budget: a simulated limit and the market's price.
      for (const a of attempts) {
        const budget = computeBudgetOf(VersionedTransaction.deserialize(Buffer.from(a.raw, 'base64')).message);
        expect(budget.microLamportsPerUnit).toBeGreaterThanOrEqual(BigInt(minMicroLamports));
        expect(budget.unitLimit).toBeLessThan(10_000);
      }
    } finally {
      peer.setCongestion(null);
    }
  });

  it('solana-devnet pointed at the local peer (another network): rpc_chain_mismatch before signing, recorded failed', async () => {
    const { stack } = ctx();
    const wallet = await ctx().fundedWallet('wrong-node');
    const sent = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
      chain: 'solana-devnet',
      to: ctx().randomRecipient(),
      token: 'NATIVE',
      amount: '1',
      walletId: wallet.walletId,
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(502);
    expect(sent.body).toEqual({ id: 'rpc_chain_mismatch', message: expect.stringContaining('genesis hash') });
    const rows = await stack.runtime.prisma.transfer.findMany({ where: { walletId: wallet.walletId } });
    expect(rows.map((r) => [r.status, r.transactionHash])).toEqual([['failed', null]]);
    expect(await stack.runtime.prisma.transferAttempt.count({ where: { transferId: rows[0]!.id } })).toBe(0);
  });
});
