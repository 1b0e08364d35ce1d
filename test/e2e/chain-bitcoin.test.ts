import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { BitcoinRegtestNode } from '../peers/bitcoin-regtest.js';
import { bitcoinCase } from '../support/chain-cases.js';
import { describeChainE2E } from '../support/chain-e2e.js';
import { waitForTransfer } from '../support/stack.js';

interface TransferBody {
  transferId: string;
  status: string;
  confirmations: number;
  blockHash: string | null;
  transactionHash: string;
  attempts: {
    attempt: number;
    transactionHash: string;
    reason: string;
    details: { inputs: { txid: string; vout: number }[]; fee: string; feeRateSatPerKvB: string; to: string };
  }[];
}
type Regtest = { node: BitcoinRegtestNode; pauseMining(): void; resumeMining(): void };
const outpoints = (a: TransferBody['attempts'][number]) => a.details.inputs.map((i) => `${i.txid}:${i.vout}`).sort();

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

  describe('stuck transactions: RBF with the same inputs (BIP125)', () => {
    it('speed-up re-signs the same inputs at a higher fee rate; the node replaces it; only the replacement confirms', async () => {
      const { stack, chain } = ctx();
      const { node, pauseMining, resumeMining } = chain.extra as Regtest;
      const wallet = await ctx().fundedWallet('rbf-speed-up');
      const to = ctx().randomRecipient();
      let transferId: string;
      pauseMining();
      try {
        const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
          chain: 'bitcoin-regtest',
          to,
          token: 'NATIVE',
          amount: '0.25',
          walletId: wallet.walletId,
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(200);
        transferId = sent.body.transferId;
        const up = await stack.call<{ attempt: number; transactionHash: string; kind: string }>(
          'POST',
          `/v1/transfers/${transferId}/speed-up`,
          {},
        );
        expect(up.status, JSON.stringify(up.body)).toBe(200);
        expect(up.body).toMatchObject({ kind: 'speed_up', attempt: 2 });
        // The node took the replacement and evicted the original (same inputs: both cannot be in one mempool).
        const mempool = await node.rpc<string[]>('getrawmempool', []);
        expect(mempool).toContain(up.body.transactionHash);
        expect(mempool).not.toContain(sent.body.transactionHash);
        const [a1, a2] = (await stack.call<TransferBody>('GET', `/v1/transfers/${transferId}`)).body.attempts;
        expect(outpoints(a2!)).toEqual(outpoints(a1!));
        expect(BigInt(a2!.details.feeRateSatPerKvB)).toBeGreaterThan(BigInt(a1!.details.feeRateSatPerKvB));
        expect(BigInt(a2!.details.fee)).toBeGreaterThan(BigInt(a1!.details.fee));
        expect(a2!.details.to).toBe(to);
        expect(a2!.reason).toContain('the same inputs');
      } finally {
        resumeMining();
      }
      const final = await waitForTransfer<TransferBody>(stack, transferId);
      expect(final.status).toBe('finalized');
      expect(final.attempts.find((a) => a.transactionHash === final.transactionHash)?.attempt).toBe(2);
      expect(await chain.balance(to)).toBe(25_000_000n);
    });

    it('cancel spends the same inputs back to the sender; the transfer ends `replaced` and the recipient gets nothing', async () => {
      const { stack, chain } = ctx();
      const { node, pauseMining, resumeMining } = chain.extra as Regtest;
      const wallet = await ctx().fundedWallet('rbf-cancel');
      const to = ctx().randomRecipient();
      let transferId: string;
      let cancelHash: string;
      pauseMining();
      try {
        const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
          chain: 'bitcoin-regtest',
          to,
          token: 'NATIVE',
          amount: '0.3',
          walletId: wallet.walletId,
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(200);
        transferId = sent.body.transferId;
        const cancel = await stack.call<{ transactionHash: string; kind: string }>(
          'POST',
          `/v1/transfers/${transferId}/cancel`,
          {},
        );
        expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
        cancelHash = cancel.body.transactionHash;
        const tx = await node.rpc<{ vout: { scriptPubKey: { address?: string; addresses?: string[] } }[] }>(
          'getrawtransaction',
          [cancelHash, true],
        );
        // One output, back to the sender.
        expect(tx.vout).toHaveLength(1);
        const paidTo = tx.vout[0]!.scriptPubKey.address ?? tx.vout[0]!.scriptPubKey.addresses?.[0];
        expect(paidTo).toBe(wallet.address);
        expect(await node.rpc<string[]>('getrawmempool', [])).not.toContain(sent.body.transactionHash);
      } finally {
        resumeMining();
      }
      const final = await waitForTransfer<TransferBody>(stack, transferId);
      expect(final).toMatchObject({ status: 'replaced', transactionHash: cancelHash });
      expect(await chain.balance(to)).toBe(0n);
      const late = await stack.call<{ id: string }>('POST', `/v1/transfers/${transferId}/speed-up`, {});
      expect(late).toMatchObject({ status: 409, body: { id: 'transfer_terminal' } });
    });

    it('a transaction not mined for stuckAfterMs is replaced automatically with the same inputs and lands once', async () => {
      const { stack, chain } = ctx();
      const { pauseMining, resumeMining } = chain.extra as Regtest;
      const wallet = await ctx().fundedWallet('rbf-auto');
      const to = ctx().randomRecipient();
      let transferId: string;
      pauseMining();
      try {
        const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
          chain: 'bitcoin-regtest',
          to,
          token: 'NATIVE',
          amount: '0.2',
          walletId: wallet.walletId,
        });
        expect(sent.status, JSON.stringify(sent.body)).toBe(200);
        transferId = sent.body.transferId;
        let attempts: TransferBody['attempts'] = [];
        // Regtest's default stuckAfterMs: max(5 block times, 15 s).
        for (let i = 0; i < 160 && attempts.length < 2; i++) {
          await new Promise((r) => setTimeout(r, 250));
          attempts = (await stack.call<TransferBody>('GET', `/v1/transfers/${transferId}`)).body.attempts;
        }
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts[1]!.reason).toMatch(/not included \d+ s after the RPC accepted it/);
        expect(outpoints(attempts[1]!)).toEqual(outpoints(attempts[0]!));
      } finally {
        resumeMining();
      }
      const final = await waitForTransfer<TransferBody>(stack, transferId);
      expect(final.status).toBe('finalized');
      expect(await chain.balance(to)).toBe(20_000_000n);
    });
  });

  it('a single-coin wallet sending twice with slow blocks: the second send waits for the change on a workflow timer, then lands', async () => {
    const { stack, chain } = ctx();
    const { pauseMining, resumeMining } = chain.extra as Regtest;
    const wallet = await ctx().fundedWallet('single-coin');
    const send = (to: string) =>
      stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'bitcoin-regtest',
        to,
        token: 'NATIVE',
        amount: '0.1',
        walletId: wallet.walletId,
      });
    const [toA, toB] = [ctx().randomRecipient(), ctx().randomRecipient()];
    const temporal = new Client({
      connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! }),
      dataConverter: stack.runtime.dataConverter,
    });
    pauseMining();
    let second: ReturnType<typeof send> | undefined;
    try {
      const first = await send(toA);
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      // The only coin is in A's unconfirmed transaction: B can only wait for A's change.
      second = send(toB);
      let events: NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']> = [];
      for (let i = 0; i < 200 && !events.some((e) => e.timerStartedEventAttributes); i++) {
        await new Promise((r) => setTimeout(r, 100));
        const row = await stack.runtime.prisma.transfer.findFirst({
          where: { walletId: wallet.walletId, id: { not: first.body.transferId } },
        });
        if (row) events = (await temporal.workflow.getHandle(row.workflowId).fetchHistory()).events ?? [];
      }
      // A workflow timer, after a prepare that failed once with utxos_in_flight: no activity retries burnt.
      expect(events.some((e) => e.timerStartedEventAttributes)).toBe(true);
      const failed = events.filter((e) => e.activityTaskFailedEventAttributes);
      expect(failed.map((e) => e.activityTaskFailedEventAttributes!.failure?.applicationFailureInfo?.type)).toContain(
        'utxos_in_flight',
      );
      const starts = events.filter((e) => e.activityTaskStartedEventAttributes);
      expect(starts.every((e) => e.activityTaskStartedEventAttributes!.attempt === 1)).toBe(true);
    } finally {
      resumeMining();
      await temporal.connection.close();
    }
    const b = await second!;
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect((await waitForTransfer<TransferBody>(stack, b.body.transferId)).status).toBe('finalized');
    expect(await chain.balance(toA)).toBe(10_000_000n);
    expect(await chain.balance(toB)).toBe(10_000_000n);
  });
});
