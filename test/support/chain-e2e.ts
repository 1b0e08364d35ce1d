/**
 * The same end-to-end contract for every chain family, through the public API and the one transfer workflow:
 * native transfer to `finalized` with balances checked on the node/peer, `bad_to`, `insufficient_funds` before
 * signing, idempotent resend, and concurrent sends from one wallet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import type { ChainCase, RunningChain } from './chain-cases.js';
import { startTestStack, type TestStack, waitForTransfer } from './stack.js';

export interface ChainE2E {
  stack: TestStack;
  chain: RunningChain;
  registry: ChainRegistry;
  fundedWallet(userId: string, amount?: string): Promise<{ walletId: string; address: string }>;
  randomRecipient(): string;
}

interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string | null;
  error: { id: string } | null;
  confirmations: number;
}

export function describeChainE2E(c: ChainCase, extra?: (ctx: () => ChainE2E) => void): void {
  let ctx: ChainE2E;

  beforeAll(async () => {
    const chain = await c.start();
    const registry = new ChainRegistry(loadNetworks({ ...process.env, ...chain.env }));
    const stack = await startTestStack({ chains: registry });
    const adapter = registry.get(c.network);
    ctx = {
      stack,
      chain,
      registry,
      async fundedWallet(userId, amount = c.fund) {
        const w = await stack.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
          userId,
        });
        expect(w.status).toBe(201);
        const address = w.body.addresses[c.network]!;
        const f = await stack.call('POST', '/v1/dev/faucet', { chain: c.network, address, amount });
        expect(f.status, JSON.stringify(f.body)).toBe(200);
        return { walletId: w.body.walletId, address };
      },
      randomRecipient() {
        return adapter.addressFromPublicKey(publicKeyOf(adapter.curve, generatePrivateKey(adapter.curve)));
      },
    };
  });
  afterAll(async () => {
    await ctx?.stack.close();
    await ctx?.chain.stop();
  });

  describe(`${c.network}: the transfer contract`, () => {
    it('sends the native asset to finalized; the recipient balance moves on chain; a resend is the same transfer', async () => {
      const wallet = await ctx.fundedWallet('native');
      const to = ctx.randomRecipient();
      const body = { chain: c.network, to, token: 'NATIVE', amount: c.send, walletId: wallet.walletId };
      const sent = await ctx.stack.call<{ transferId: string; transactionHash: string; status: string }>(
        'POST',
        '/v1/assets/send',
        body,
        {
          'idempotency-key': `${c.network}-native`,
        },
      );
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body.transactionHash.length).toBeGreaterThan(20);
      const final = await waitForTransfer<TransferBody>(ctx.stack, sent.body.transferId, undefined, 90_000);
      expect(final, JSON.stringify(final)).toMatchObject({
        status: 'finalized',
        transactionHash: sent.body.transactionHash,
      });
      expect(await ctx.chain.balance(to)).toBe(c.sendRaw);

      const again = await ctx.stack.call<{ transferId: string; transactionHash: string }>(
        'POST',
        '/v1/assets/send',
        body,
        {
          'idempotency-key': `${c.network}-native`,
        },
      );
      expect(again.body).toMatchObject({
        transferId: sent.body.transferId,
        transactionHash: sent.body.transactionHash,
      });
      expect(await ctx.chain.balance(to)).toBe(c.sendRaw);
    });

    // One small wallet for the two refusals (a wallet costs an MPC key generation per curve).
    let small: Promise<{ walletId: string; address: string }> | undefined;
    const smallWallet = () => {
      small ??= ctx.fundedWallet('small', c.send);
      return small;
    };

    it('rejects a bad recipient with bad_to and writes nothing', async () => {
      const wallet = await smallWallet();
      const before = await ctx.stack.runtime.prisma.transfer.count();
      const res = await ctx.stack.call<{ id: string }>('POST', '/v1/assets/send', {
        chain: c.network,
        to: c.badAddress,
        token: 'NATIVE',
        amount: c.send,
        walletId: wallet.walletId,
      });
      expect(res).toMatchObject({ status: 400, body: { id: 'bad_to' } });
      expect(await ctx.stack.runtime.prisma.transfer.count()).toBe(before);
    });

    it('fails with insufficient_funds before anything is signed', async () => {
      const wallet = await smallWallet();
      const res = await ctx.stack.call<{ id: string }>('POST', '/v1/assets/send', {
        chain: c.network,
        to: ctx.randomRecipient(),
        token: 'NATIVE',
        amount: c.fund,
        walletId: wallet.walletId,
      });
      expect(res.status).toBe(400);
      expect(res.body.id).toBe('insufficient_funds');
      const rows = await ctx.stack.runtime.prisma.transfer.findMany({
        where: { walletId: wallet.walletId },
        include: { attempts: true },
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'failed', transactionHash: null, errorId: 'insufficient_funds' });
      expect(rows[0]!.attempts).toHaveLength(0);
    });

    it('handles concurrent sends from one wallet without conflicts', async () => {
      const wallet = await ctx.fundedWallet('burst');
      const recipients = [ctx.randomRecipient(), ctx.randomRecipient(), ctx.randomRecipient()];
      const sent = await Promise.all(
        recipients.map((to, i) =>
          ctx.stack.call<{ transferId: string }>(
            'POST',
            '/v1/assets/send',
            { chain: c.network, to, token: 'NATIVE', amount: c.send, walletId: wallet.walletId },
            { 'idempotency-key': `${c.network}-burst-${i}` },
          ),
        ),
      );
      // 200: RPC accepted in time; 202: still queued behind its siblings (Stellar's one-tx-per-account queue).
      for (const s of sent) expect([200, 202], JSON.stringify(s.body)).toContain(s.status);
      const finals = await Promise.all(
        sent.map((s) => waitForTransfer<TransferBody>(ctx.stack, s.body.transferId, undefined, 90_000)),
      );
      expect(
        finals.map((f) => f.status),
        JSON.stringify(finals),
      ).toEqual(['finalized', 'finalized', 'finalized']);
      for (const to of recipients) expect(await ctx.chain.balance(to)).toBe(c.sendRaw);
    });
  });

  extra?.(() => ctx);
}
