/**
 * Drill: stuck transactions on EVM. With mining paused (or the base fee raised past a low-fee transaction), a
 * transfer is replaced with the SAME nonce — by `POST /v1/transfers/:id/speed-up`, by `POST /v1/transfers/:id/cancel`
 * (zero-value send to self), or automatically after `stuckAfterMs` — and exactly one of its attempts lands. Checked on
 * chain: the final hash has a receipt and no other attempt's hash has one, balances, the sender's nonce count.
 * Runs on its own anvil so pausing mining touches no other test.
 */
import { randomBytes } from 'node:crypto';
import { formatEther, type Hex, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedServerKey } from '../../api/auth.js';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { type AnvilHandle, startAnvil } from '../../scripts/stack/anvil.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

interface AttemptBody {
  attempt: number;
  transactionHash: string;
  reason: string;
  details: { nonce: string; maxFeePerGas: string; maxPriorityFeePerGas: string; replacement?: string };
}
interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  attempts: AttemptBody[];
}

let anvil: AnvilHandle;
let stack: TestStack;
/** A server key of another tenant. */
let otherKey: string;
let chain: ReturnType<typeof createEvmClient>;
/** A transaction waits this long unincluded before the workflow bumps its fees by itself. */
const STUCK_AFTER_MS = 6000;

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
  chain = createEvmClient(anvil.rpcUrl);
  const chains = new ChainRegistry(
    loadNetworks({ ...process.env, RPC_URL_ANVIL: anvil.rpcUrl, STUCK_AFTER_MS_ANVIL: String(STUCK_AFTER_MS) }),
  );
  stack = await startTestStack({ chains });
  otherKey = `cfsk_${randomBytes(16).toString('hex')}`;
  await seedServerKey(stack.runtime.prisma, `tenant-${randomBytes(4).toString('hex')}`, otherKey);
});
afterAll(async () => {
  await stack?.close();
  await anvil?.stop();
});

const mining = (on: boolean) =>
  chain.request({ method: 'evm_setIntervalMining' as never, params: [on ? 1 : 0] as never });
const randomAddress = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;

async function fundedWallet(userId: string): Promise<{ walletId: string; address: Hex }> {
  const w = await stack.call<{ walletId: string; address: Hex }>('POST', '/api/wallets', { userId });
  expect(w.status).toBe(201);
  const f = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '5' });
  expect(f.status).toBe(200);
  return w.body;
}

async function eventTypes(transferId: string): Promise<string[]> {
  const events = await stack.runtime.prisma.webhookEvent.findMany({
    where: { transferId },
    orderBy: { sequence: 'asc' },
  });
  return events.map((e) => e.type);
}

async function view(id: string): Promise<TransferBody> {
  return (await stack.call<TransferBody>('GET', `/v1/transfers/${id}`)).body;
}

const receiptOf = (hash: string) =>
  chain.request({ method: 'eth_getTransactionReceipt', params: [hash as Hex] }) as Promise<unknown | null>;

/** On chain: the transfer's final hash was mined, and no other attempt of it was. */
async function expectOnlyFinalHashLanded(transferId: string): Promise<TransferBody> {
  const final = await view(transferId);
  expect(final.attempts.map((a) => a.transactionHash)).toContain(final.transactionHash);
  for (const a of final.attempts) {
    const receipt = await receiptOf(a.transactionHash);
    if (a.transactionHash === final.transactionHash) expect(receipt, `attempt ${a.attempt}`).not.toBeNull();
    else expect(receipt, `attempt ${a.attempt} must not be on chain`).toBeNull();
  }
  return final;
}

describe('stuck EVM transactions: speed-up, cancel, automatic bump (same nonce)', { timeout: 240_000 }, () => {
  it('speed-up re-signs with the same nonce and ≥ 12.5 % higher fees; only the replacement lands', async () => {
    const wallet = await fundedWallet('speed-up');
    const to = randomAddress();
    await mining(false);
    try {
      const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.5',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      // Another tenant cannot replace it, nor learn it exists: 404, nothing signed.
      for (const path of ['speed-up', 'cancel']) {
        const foreign = await stack.call<{ id: string }>(
          'POST',
          `/v1/transfers/${sent.body.transferId}/${path}`,
          {},
          { authorization: `Bearer ${otherKey}`, 'idempotency-key': `foreign-${path}` },
        );
        expect(foreign).toMatchObject({ status: 404, body: { id: 'NOT_FOUND' } });
      }
      expect((await view(sent.body.transferId)).attempts).toHaveLength(1);
      const up = await stack.call<{ attempt: number; transactionHash: string; kind: string }>(
        'POST',
        `/v1/transfers/${sent.body.transferId}/speed-up`,
        {},
        { 'idempotency-key': 'bump-1' },
      );
      expect(up.status, JSON.stringify(up.body)).toBe(200);
      expect(up.body).toMatchObject({ kind: 'speed_up', attempt: 2 });
      // Same Idempotency-Key: the same bump, no third signature.
      const again = await stack.call<{ attempt: number }>(
        'POST',
        `/v1/transfers/${sent.body.transferId}/speed-up`,
        {},
        { 'idempotency-key': 'bump-1' },
      );
      expect(again.body.attempt).toBe(2);
      const before = await view(sent.body.transferId);
      const [a1, a2] = before.attempts;
      expect(a2!.details.nonce).toBe(a1!.details.nonce);
      expect(BigInt(a2!.details.maxFeePerGas) * 1000n).toBeGreaterThanOrEqual(BigInt(a1!.details.maxFeePerGas) * 1125n);
      expect(BigInt(a2!.details.maxPriorityFeePerGas) * 1000n).toBeGreaterThanOrEqual(
        BigInt(a1!.details.maxPriorityFeePerGas) * 1125n,
      );
      expect(a2!.reason).toContain('same nonce');
    } finally {
      await mining(true);
    }
    const list = await stack.call<{ data: TransferBody[] }>('GET', `/v1/transfers?walletId=${wallet.walletId}`);
    const id = list.body.data[0]!.transferId;
    const final = await waitForTransfer<TransferBody>(stack, id);
    expect(final.status).toBe('finalized');
    const attempts = (await view(id)).attempts;
    const landed = attempts.filter((a) => a.transactionHash === final.transactionHash);
    expect(landed).toHaveLength(1);
    expect(landed[0]!.attempt).toBeGreaterThanOrEqual(2);
    expect(await chain.getBalance({ address: to })).toBe(500_000_000_000_000_000n);
    expect(await chain.getTransactionCount({ address: wallet.address })).toBe(1);
    const receipt = await chain.getTransactionReceipt({ hash: final.transactionHash as Hex });
    expect(receipt.status).toBe('success');
    await expectOnlyFinalHashLanded(id);
    // Terminal: no more replacements.
    const late = await stack.call<{ id: string }>('POST', `/v1/transfers/${id}/speed-up`, {});
    expect(late).toMatchObject({ status: 409, body: { id: 'transfer_terminal' } });
    // Webhook consumers hear of the bump, in order (outbox rows written with each change).
    const types = await eventTypes(id);
    expect(types[0]).toBe('transfer.submitted');
    expect(types).toContain('transfer.speed_up');
    expect(types.at(-1)).toBe('transfer.finalized');
  });

  it('cancel replaces the transfer with a zero-value send to self; the transfer ends `replaced`, nothing paid', async () => {
    const wallet = await fundedWallet('cancel');
    const to = randomAddress();
    await mining(false);
    let transferId: string;
    let cancelHash: string;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.75',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      const cancel = await stack.call<{ attempt: number; transactionHash: string; kind: string }>(
        'POST',
        `/v1/transfers/${transferId}/cancel`,
        {},
      );
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
      expect(cancel.body.kind).toBe('cancel');
      cancelHash = cancel.body.transactionHash;
      // A repeated cancel answers the same attempt: nothing signed twice.
      const twice = await stack.call<{ transactionHash: string }>('POST', `/v1/transfers/${transferId}/cancel`, {});
      expect(twice.body.transactionHash).toBe(cancelHash);
      // Options a cancel does not take are refused.
      const bad = await stack.call<{ id: string }>('POST', `/v1/transfers/${transferId}/cancel`, { maxFee: '1' });
      expect(bad.status).toBe(400);
    } finally {
      await mining(true);
    }
    const final = await waitForTransfer<TransferBody>(stack, transferId);
    expect(final).toMatchObject({ status: 'replaced', transactionHash: cancelHash });
    const tx = await chain.getTransaction({ hash: cancelHash as Hex });
    expect(tx.to?.toLowerCase()).toBe(wallet.address.toLowerCase());
    expect(tx.value).toBe(0n);
    expect(await chain.getBalance({ address: to })).toBe(0n);
    expect(await chain.getTransactionCount({ address: wallet.address })).toBe(1);
    await expectOnlyFinalHashLanded(transferId);
    const after = await stack.call<{ id: string }>('POST', `/v1/transfers/${transferId}/cancel`, {});
    expect(after).toMatchObject({ status: 409, body: { id: 'transfer_terminal' } });
    expect(await eventTypes(transferId)).toEqual([
      'transfer.submitted',
      'transfer.cancel_requested',
      'transfer.replaced',
    ]);
  });

  it('a transaction stuck for stuckAfterMs is bumped automatically (same nonce) and lands once', async () => {
    const wallet = await fundedWallet('auto-bump');
    const to = randomAddress();
    await mining(false);
    let transferId: string;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.3',
        walletId: wallet.walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      let attempts: AttemptBody[] = [];
      for (let i = 0; i < 120 && attempts.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 250));
        attempts = (await view(transferId)).attempts;
      }
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts[1]!.reason).toMatch(/not included \d+ s after the RPC accepted it/);
      expect(attempts[1]!.details.nonce).toBe(attempts[0]!.details.nonce);
    } finally {
      await mining(true);
    }
    const final = await waitForTransfer<TransferBody>(stack, transferId);
    expect(final.status).toBe('finalized');
    expect(await chain.getBalance({ address: to })).toBe(300_000_000_000_000_000n);
    expect(await chain.getTransactionCount({ address: wallet.address })).toBe(1);
    const landed = await expectOnlyFinalHashLanded(transferId);
    expect(landed.transactionHash).not.toBe(landed.attempts[0]!.transactionHash);
  });
  it('a low-fee transfer overtaken by the base fee: the automatic bump stops at its maxFee, a speed-up with a higher maxFee replaces it; only the replacement lands', async () => {
    const wallet = await fundedWallet('low-fee');
    const to = randomAddress();
    await mining(false);
    let transferId: string;
    let risen: bigint;
    try {
      const base = (await chain.getBlock({ blockTag: 'latest' })).baseFeePerGas!;
      const tip = BigInt(await chain.request({ method: 'eth_maxPriorityFeePerGas' }));
      // Just what inclusion needs today (base fee + tip), not the usual 2 × base fee + tip headroom.
      const lowPerGas = base + tip;
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.4',
        walletId: wallet.walletId,
        maxFee: formatEther(21_000n * lowPerGas),
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      const [first] = (await view(transferId)).attempts;
      expect(BigInt(first!.details.maxFeePerGas)).toBe(lowPerGas);

      // The base fee jumps past it: a mined block leaves the transaction out.
      risen = lowPerGas + 10_000_000_000n;
      await chain.request({ method: 'anvil_setNextBlockBaseFeePerGas' as never, params: [toHex(risen)] as never });
      await chain.request({ method: 'evm_mine' as never, params: [] as never });
      expect(await receiptOf(first!.transactionHash)).toBeNull();

      // After stuckAfterMs the workflow tries to bump, but +12.5 % is above the request's maxFee: nothing signed.
      let refused = false;
      for (let i = 0; i < 120 && !refused; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const h = await stack.call<{ events: { event: string; step?: string; error?: { id: string } }[] }>(
          'GET',
          `/v1/transfers/${transferId}/history`,
        );
        refused = h.body.events.some(
          (e) => e.event === 'step.failed' && e.step === 'buildReplacement' && e.error?.id === 'fee_cap_exceeded',
        );
      }
      expect(refused).toBe(true);
      expect((await view(transferId)).attempts).toHaveLength(1);

      // The caller raises the ceiling for the speed-up.
      const up = await stack.call<{ attempt: number; kind: string }>('POST', `/v1/transfers/${transferId}/speed-up`, {
        maxFee: '0.01',
      });
      expect(up.status, JSON.stringify(up.body)).toBe(200);
      expect(up.body).toMatchObject({ kind: 'speed_up', attempt: 2 });
      const [, second] = (await view(transferId)).attempts;
      expect(second!.details.nonce).toBe(first!.details.nonce);
      expect(BigInt(second!.details.maxFeePerGas)).toBeGreaterThanOrEqual(2n * risen);
      expect(BigInt(second!.details.maxFeePerGas) * 21_000n).toBeLessThanOrEqual(10_000_000_000_000_000n);
    } finally {
      await mining(true);
    }
    const final = await waitForTransfer<TransferBody>(stack, transferId);
    expect(final.status).toBe('finalized');
    const landed = await expectOnlyFinalHashLanded(transferId);
    expect(landed.attempts.find((a) => a.transactionHash === landed.transactionHash)!.attempt).toBe(2);
    expect(await chain.getBalance({ address: to })).toBe(400_000_000_000_000_000n);
    expect(await chain.getTransactionCount({ address: wallet.address })).toBe(1);
    const receipt = await chain.getTransactionReceipt({ hash: final.transactionHash as Hex });
    expect(await chain.getBalance({ address: wallet.address })).toBe(
      5_000_000_000_000_000_000n - 400_000_000_000_000_000n - receipt.gasUsed * receipt.effectiveGasPrice,
    );
  });
});
