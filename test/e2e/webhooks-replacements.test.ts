/**
 * Replacement events over HTTP on EVM: with anvil's mining paused, a speed-up and a cancel are signed with the same
 * nonce, and a real receiver on loopback gets `transfer.speed_up` / `transfer.cancel_requested` and then the terminal
 * event naming the replacement's hash, each verified with `standardwebhooks`. Runs on its own anvil so pausing mining
 * touches no other test.
 */

import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { type AnvilHandle, startAnvil } from '../../scripts/stack/anvil.js';
import { type TestStack, waitForTransfer } from '../support/stack.js';
import { type ReceivedHook, verifyHook, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startWebhookTestStack, type WebhookTestStack } from '../support/webhook-stack.js';

interface Replacement {
  kind: string;
  attempt: number;
  transactionHash: string;
  reason: string;
}
interface HookData {
  transferId: string;
  status: string;
  transactionHash: string | null;
  sequence: number;
  replacement?: Replacement;
}

let anvil: AnvilHandle;
let chain: ReturnType<typeof createEvmClient>;
let stack: TestStack;
let receiver: WebhookReceiver;
let secret: string;
let hooks: WebhookTestStack;

beforeAll(async () => {
  anvil = await startAnvil({ blockTime: 1 });
  chain = createEvmClient(anvil.rpcUrl);
  hooks = await startWebhookTestStack(new ChainRegistry(loadNetworks({ ...process.env, RPC_URL_ANVIL: anvil.rpcUrl })));
  ({ stack, receiver, secret } = hooks);
});
afterAll(async () => {
  await hooks?.close();
  await anvil?.stop();
});

const mining = (on: boolean) =>
  chain.request({ method: 'evm_setIntervalMining' as never, params: [on ? 1 : 0] as never });
const randomAddress = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;

async function fundedWallet(userId: string): Promise<string> {
  const w = await stack.call<{ walletId: string; address: Hex }>('POST', '/api/wallets', { userId });
  expect(w.status).toBe(201);
  const f = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '5' });
  expect(f.status).toBe(200);
  return w.body.walletId;
}

/** A transfer's hooks once its terminal event arrived: each verified, sequence strictly increasing, ids unique. */
async function verifiedHooks(transferId: string, terminal: string): Promise<{ type: string; data: HookData }[]> {
  const of = (all: ReceivedHook[]) => all.filter((h) => h.json.data.transferId === transferId);
  const hooks = of(await receiver.waitFor((all) => of(all).some((h) => h.json.type === terminal), 60_000));
  const verified = hooks.map((h) => verifyHook(secret, h) as { type: string; data: HookData });
  const sequences = verified.map((v) => v.data.sequence);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  expect(new Set(sequences).size).toBe(sequences.length);
  expect(new Set(hooks.map((h) => h.id)).size).toBe(hooks.length);
  return verified;
}

describe('replacement events delivered over HTTP (EVM, same nonce)', { timeout: 180_000 }, () => {
  it('speed-up: transfer.speed_up with the replacement, then transfer.finalized with the replacement hash', async () => {
    const walletId = await fundedWallet('wh-speed-up');
    await mining(false);
    let transferId: string;
    let up: Replacement;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to: randomAddress(),
        token: 'NATIVE',
        amount: '0.5',
        walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      const res = await stack.call<Replacement>('POST', `/v1/transfers/${transferId}/speed-up`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      up = res.body;
    } finally {
      await mining(true);
    }
    const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, transferId);
    expect(final).toMatchObject({ status: 'finalized', transactionHash: up.transactionHash });
    const hooks = await verifiedHooks(transferId, 'transfer.finalized');
    const types = hooks.map((h) => h.type);
    expect(types[0]).toBe('transfer.submitted');
    expect(types.at(-1)).toBe('transfer.finalized');
    const speedUp = hooks.filter((h) => h.type === 'transfer.speed_up');
    expect(speedUp).toHaveLength(1);
    expect(types.indexOf('transfer.speed_up')).toBeLessThan(types.indexOf('transfer.finalized'));
    expect(speedUp[0]!.data.replacement).toEqual({
      kind: 'speed_up',
      attempt: 2,
      transactionHash: up.transactionHash,
      reason: expect.stringContaining('same nonce'),
    });
    expect(hooks.at(-1)!.data.transactionHash).toBe(up.transactionHash);
    expect(hooks[0]!.data.transactionHash).not.toBe(up.transactionHash);
  });

  it('cancel: transfer.cancel_requested, then transfer.replaced with the cancel hash', async () => {
    const walletId = await fundedWallet('wh-cancel');
    await mining(false);
    let transferId: string;
    let cancel: Replacement;
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to: randomAddress(),
        token: 'NATIVE',
        amount: '0.75',
        walletId,
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      transferId = sent.body.transferId;
      const res = await stack.call<Replacement>('POST', `/v1/transfers/${transferId}/cancel`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      cancel = res.body;
    } finally {
      await mining(true);
    }
    expect((await waitForTransfer<{ status: string }>(stack, transferId)).status).toBe('replaced');
    const hooks = await verifiedHooks(transferId, 'transfer.replaced');
    expect(hooks.map((h) => h.type)).toEqual(['transfer.submitted', 'transfer.cancel_requested', 'transfer.replaced']);
    expect(hooks.map((h) => h.data.sequence)).toEqual([1, 2, 3]);
    expect(hooks[1]!.data.replacement).toEqual({
      kind: 'cancel',
      attempt: 2,
      transactionHash: cancel.transactionHash,
      reason: expect.any(String),
    });
    expect(hooks[2]!.data).toMatchObject({ status: 'replaced', transactionHash: cancel.transactionHash });
  });
});
