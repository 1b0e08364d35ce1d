import { Client, Connection } from '@temporalio/client';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { erc20Abi } from '../../chains/evm/erc20.js';
import { blockOnTestToken, deployTestToken, mintTestToken } from '../support/erc20.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

interface WalletBody {
  walletId: string;
  address: string;
}
interface SendBody {
  transactionHash: string;
  transferId: string;
  status: string;
  metadata: { amount: string; rawAmount: string; tokenAddress: string | null; tokenDecimals: number };
}
interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  confirmations: number;
  requiredConfirmations: number;
  blockNumber: string | null;
  error: { id: string; message: string } | null;
  timestamps: Record<string, string | null>;
}

const rpcUrl = process.env.RPC_URL_ANVIL!;
const chain = createEvmClient(rpcUrl);
let stack: TestStack;

async function fundedWallet(userId: string, eth = '1'): Promise<WalletBody> {
  const { status, body } = await stack.call<WalletBody>('POST', '/api/wallets', { userId });
  expect(status).toBe(201);
  const f = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: body.address, amount: eth });
  expect(f.status).toBe(200);
  return body;
}

function randomAddress(): Hex {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
}

beforeAll(async () => {
  // This file keeps the production path: fresh Paillier keys from the runtime's pool for every wallet.
  stack = await startTestStack({ paillier: 'production' });
});
afterAll(async () => {
  await stack?.close();
});

describe('POST /v1/assets/send on anvil (API → workflow → anvil)', () => {
  it('sends ETH: answers at RPC acceptance, then reaches finalized; balances move on chain', async () => {
    const wallet = await fundedWallet('alice');
    const to = randomAddress();
    const sent = await stack.call<SendBody>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.25', walletId: wallet.walletId },
      { 'idempotency-key': 'native-1' },
    );
    expect(sent.status).toBe(200);
    expect(sent.body.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(sent.body.metadata).toEqual({
      amount: '0.25',
      rawAmount: '250000000000000000',
      tokenAddress: null,
      tokenDecimals: 18,
    });
    expect(['submitted', 'confirmed', 'finalized']).toContain(sent.body.status);

    const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(final.transactionHash).toBe(sent.body.transactionHash);
    expect(final.confirmations).toBeGreaterThanOrEqual(final.requiredConfirmations);
    expect(final.timestamps.submitted).not.toBeNull();
    expect(final.timestamps.finalized).not.toBeNull();
    expect(await chain.getBalance({ address: to })).toBe(250000000000000000n);
    const receipt = await chain.getTransactionReceipt({ hash: sent.body.transactionHash as Hex });
    expect(receipt.status).toBe('success');
    expect(receipt.blockNumber.toString()).toBe(final.blockNumber);

    // Same key, same body: the same transfer, nothing sent twice.
    const again = await stack.call<SendBody>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.25', walletId: wallet.walletId },
      { 'idempotency-key': 'native-1' },
    );
    expect(again.status).toBe(200);
    expect(again.body.transferId).toBe(sent.body.transferId);
    expect(again.body.transactionHash).toBe(sent.body.transactionHash);
    expect(await chain.getBalance({ address: to })).toBe(250000000000000000n);
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(1);

    // Same key, different body: 409.
    const conflict = await stack.call<{ id: string }>(
      'POST',
      '/v1/assets/send',
      { chain: 'anvil', to, token: 'NATIVE', amount: '0.5', walletId: wallet.walletId },
      { 'idempotency-key': 'native-1' },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.id).toBe('IDEMPOTENCY_CONFLICT');

    const history = await stack.call<{ events: { event: string; step?: string }[] }>(
      'GET',
      `/v1/transfers/${sent.body.transferId}/history`,
    );
    const steps = history.body.events.filter((e) => e.event === 'step.completed').map((e) => e.step);
    expect(steps).toEqual(['prepare_attempt', 'broadcast', 'release_reservation']);
    expect(history.body.events.at(-1)?.event).toBe('transfer.closed');
  });

  it('sends an ERC-20 by contract address to finalized and moves token balances', async () => {
    const wallet = await fundedWallet('bob');
    const token = await deployTestToken(rpcUrl, 6);
    await mintTestToken(rpcUrl, token, wallet.address as Hex, 10_000_000n);
    const to = randomAddress();
    const sent = await stack.call<SendBody>('POST', '/v1/assets/send', {
      chain: 'eip155:31337',
      to,
      token,
      amount: '2.5',
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(200);
    expect(sent.body.metadata).toEqual({ amount: '2.5', rawAmount: '2500000', tokenAddress: token, tokenDecimals: 6 });
    const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    const balanceOf = (a: Hex) =>
      chain.readContract({
        address: token,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [a],
      });
    expect(await balanceOf(to)).toBe(2_500_000n);
    expect(await balanceOf(wallet.address as Hex)).toBe(7_500_000n);
  });

  it('resends attach to the one submission update; a workflow closed unfinished answers 202 needs_attention', async () => {
    const wallet = await fundedWallet('closed-unfinished');
    const body = { chain: 'anvil', to: randomAddress(), token: 'NATIVE', amount: '0.01', walletId: wallet.walletId };
    const send = () => stack.call<SendBody>('POST', '/v1/assets/send', body, { 'idempotency-key': 'closed-1' });
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    await stack.stopWorker(); // the transfer stays short of final while we look
    try {
      for (const again of [await send(), await send()]) expect(again.body.transferId).toBe(first.body.transferId);
      const row = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: first.body.transferId } });
      const temporal = new Client({
        connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! }),
        dataConverter: stack.runtime.dataConverter,
      });
      const handle = temporal.workflow.getHandle(row.workflowId);
      const history = await handle.fetchHistory();
      const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(accepted, 'three sends, one update').toHaveLength(1);

      // An operator (or a 7-day status give-up) closes the workflow before the transfer is final.
      await handle.terminate('drill: closed before final');
      const closed = await send();
      expect(closed.status, JSON.stringify(closed.body)).toBe(202);
      expect(closed.body).toMatchObject({ transferId: row.id, status: 'needs_attention' });
      const view = await stack.call<TransferBody>('GET', `/v1/transfers/${row.id}`);
      expect(view.body).toMatchObject({ status: 'needs_attention', error: { id: 'workflow_closed' } });
      expect(view.body.error!.message).toContain('TERMINATED');
      expect((await send()).body).toMatchObject({ status: 'needs_attention' });
      const listed = await stack.call<{ data: { transferId: string }[] }>(
        'GET',
        '/v1/transfers?status=needs_attention',
      );
      expect(listed.body.data.map((t) => t.transferId)).toContain(row.id);
      await temporal.connection.close();
    } finally {
      await stack.startWorker();
    }
  });

  it('refuses an ERC-20 transfer that would revert with estimate_gas_reverted, before signing', async () => {
    const wallet = await fundedWallet('carol');
    const token = await deployTestToken(rpcUrl, 6);
    await mintTestToken(rpcUrl, token, wallet.address as Hex, 1_000_000n);
    const to = randomAddress();
    await blockOnTestToken(rpcUrl, token, to);
    const sent = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to,
      token,
      amount: '1',
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(400);
    expect(sent.body.id).toBe('estimate_gas_reverted');
    const list = await stack.call<{ data: TransferBody[] }>('GET', `/v1/transfers?walletId=${wallet.walletId}`);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({
      status: 'failed',
      transactionHash: null,
      error: { id: 'estimate_gas_reverted' },
    });
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(0);
  });
});
