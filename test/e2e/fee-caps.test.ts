/**
 * Fee ceilings through the API on anvil: a request's `maxFee` (refused before signing, or held and finalized),
 * its place in the idempotency hash, bad input, and an RPC that serves another chain than the network config.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

interface WalletBody {
  walletId: string;
  address: string;
}
interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string | null;
  maxFee: string | null;
  fee: string | null;
  error: { id: string; message: string } | null;
}

const rpcUrl = process.env.RPC_URL_ANVIL!;
const chain = createEvmClient(rpcUrl);
let stack: TestStack;

function randomAddress(): Hex {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;
}

async function fundedWallet(userId: string): Promise<WalletBody> {
  const { status, body } = await stack.call<WalletBody>('POST', '/api/wallets', { userId });
  expect(status).toBe(201);
  expect(
    (await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: body.address, amount: '1' })).status,
  ).toBe(200);
  return body;
}

async function transfersOf(walletId: string): Promise<TransferBody[]> {
  return (await stack.call<{ data: TransferBody[] }>('GET', `/v1/transfers?walletId=${walletId}`)).body.data;
}

async function attemptsOf(transferId: string): Promise<number> {
  return stack.runtime.prisma.transferAttempt.count({ where: { transferId } });
}

beforeAll(async () => {
  // "sepolia" is misrouted to the local anvil (chain 31337): what a wrong RPC_URL_SEPOLIA would do.
  const chains = new ChainRegistry(loadNetworks({ ...process.env, RPC_URL_SEPOLIA: rpcUrl }));
  stack = await startTestStack({ chains });
});
afterAll(async () => {
  await stack?.close();
});

describe('fee ceilings through POST /v1/assets/send (anvil)', () => {
  it('a maxFee below what inclusion needs: 400 fee_cap_exceeded, nothing signed, no attempt row', async () => {
    const wallet = await fundedWallet('fee-low');
    const body = { chain: 'anvil', to: randomAddress(), token: 'NATIVE', amount: '0.01', walletId: wallet.walletId };
    const sent = await stack.call<{ id: string; message: string }>(
      'POST',
      '/v1/assets/send',
      { ...body, maxFee: '0.000000000000001' }, // 1000 wei for ≥ 21000 gas
      { 'idempotency-key': 'fee-low-1' },
    );
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({ id: 'fee_cap_exceeded', message: expect.stringContaining('maxFee') });
    const [row] = await transfersOf(wallet.walletId);
    expect(row).toMatchObject({
      status: 'failed',
      transactionHash: null,
      maxFee: '1000',
      error: { id: 'fee_cap_exceeded' },
    });
    expect(await attemptsOf(row!.transferId)).toBe(0);
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(0);
    const history = await stack.call<{ events: { event: string; step?: string }[] }>(
      'GET',
      `/v1/transfers/${row!.transferId}/history`,
    );
    expect(history.body.events.filter((e) => e.step === 'sign')).toEqual([]);
    // Refused inside the one pre-broadcast step (preflight → store_signed); no broadcast was ever tried.
    expect(history.body.events.some((e) => e.event === 'step.failed' && e.step === 'prepare_attempt')).toBe(true);
    expect(history.body.events.some((e) => e.step === 'broadcast')).toBe(false);
  });

  it('a maxFee that holds: finalized, shown in base units, the fee paid within it; part of the idempotency hash', async () => {
    const wallet = await fundedWallet('fee-ok');
    const to = randomAddress();
    const body = { chain: 'anvil', to, token: 'NATIVE', amount: '0.01', walletId: wallet.walletId, maxFee: '0.002' };
    const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', body, {
      'idempotency-key': 'fee-ok-1',
    });
    expect(sent.status).toBe(200);
    const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
    expect(final).toMatchObject({ status: 'finalized', maxFee: '2000000000000000' });
    expect(BigInt(final.fee!)).toBeLessThanOrEqual(2_000_000_000_000_000n);
    const receipt = await chain.getTransactionReceipt({ hash: sent.body.transactionHash as Hex });
    expect(receipt.gasUsed * receipt.effectiveGasPrice).toBeLessThanOrEqual(2_000_000_000_000_000n);
    expect(await chain.getBalance({ address: to })).toBe(10_000_000_000_000_000n);

    const same = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', body, {
      'idempotency-key': 'fee-ok-1',
    });
    expect(same.status).toBe(200);
    expect(same.body.transferId).toBe(sent.body.transferId);
    for (const other of [
      { ...body, maxFee: '0.003' },
      { ...body, maxFee: undefined },
    ]) {
      const conflict = await stack.call<{ id: string }>('POST', '/v1/assets/send', other, {
        'idempotency-key': 'fee-ok-1',
      });
      expect(conflict.status).toBe(409);
      expect(conflict.body.id).toBe('IDEMPOTENCY_CONFLICT');
    }
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(1);
  });

  it('a malformed maxFee is 400 bad_max_fee and writes nothing', async () => {
    const wallet = await fundedWallet('fee-bad');
    for (const maxFee of ['abc', '0', '-0.1', '1e-3', '0.0000000000000000001', '0x10']) {
      const sent = await stack.call<{ id: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to: randomAddress(),
        token: 'NATIVE',
        amount: '0.01',
        walletId: wallet.walletId,
        maxFee,
      });
      expect([maxFee, sent.status, sent.body.id]).toEqual([maxFee, 400, 'bad_max_fee']);
    }
    expect(await transfersOf(wallet.walletId)).toEqual([]);
  });

  it('an RPC serving another chain than the config names: rpc_chain_mismatch before signing', async () => {
    const wallet = await fundedWallet('fee-chain');
    const sent = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
      chain: 'sepolia',
      to: randomAddress(),
      token: 'NATIVE',
      amount: '0.01',
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(502);
    expect(sent.body).toEqual({ id: 'rpc_chain_mismatch', message: expect.stringContaining('serves chain 31337') });
    const [row] = await transfersOf(wallet.walletId);
    expect(row).toMatchObject({ status: 'failed', transactionHash: null, error: { id: 'rpc_chain_mismatch' } });
    expect(await attemptsOf(row!.transferId)).toBe(0);
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(0);
  });
});
