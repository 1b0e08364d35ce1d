/**
 * Webhooks for a non-EVM chain on a real node (litecoind regtest), one stack for the file: RBF speed-up and cancel
 * (same inputs) and a real reorg (`invalidateblock`), each delivered to a real receiver on loopback and verified
 * with `standardwebhooks`; sequence strictly increasing per transfer, webhook-id unique per event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import type { BitcoinRegtestNode } from '../peers/bitcoin-regtest.js';
import { bitcoinCase, type RunningChain } from '../support/chain-cases.js';
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
  blockHash: string | null;
  sequence: number;
  replacement?: Replacement;
}
type Regtest = { node: BitcoinRegtestNode; pauseMining(): void; resumeMining(): void };

const NETWORK = 'bitcoin-regtest';
let chain: RunningChain;
let regtest: Regtest;
let registry: ChainRegistry;
let stack: TestStack;
let receiver: WebhookReceiver;
let secret: string;
let hooks: WebhookTestStack;

beforeAll(async () => {
  chain = await bitcoinCase.start();
  regtest = chain.extra as Regtest;
  registry = new ChainRegistry(loadNetworks({ ...process.env, ...chain.env }));
  hooks = await startWebhookTestStack(registry);
  ({ stack, receiver, secret } = hooks);
});
afterAll(async () => {
  await hooks?.close();
  await chain?.stop();
});

async function fundedWallet(userId: string): Promise<string> {
  const w = await stack.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
    userId,
  });
  expect(w.status).toBe(201);
  const f = await stack.call('POST', '/v1/dev/faucet', {
    chain: NETWORK,
    address: w.body.addresses[NETWORK],
    amount: bitcoinCase.fund,
  });
  expect(f.status, JSON.stringify(f.body)).toBe(200);
  return w.body.walletId;
}

function recipient(): string {
  const adapter = registry.get(NETWORK);
  return adapter.addressFromPublicKey(publicKeyOf(adapter.curve, generatePrivateKey(adapter.curve)));
}

async function send(walletId: string, amount: string): Promise<{ transferId: string; transactionHash: string }> {
  const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
    chain: NETWORK,
    to: recipient(),
    token: 'NATIVE',
    amount,
    walletId,
  });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  return sent.body;
}

/** A transfer's hooks once its terminal event arrived: each verified, sequence strictly increasing, ids unique. */
async function verifiedHooks(transferId: string, terminal: string): Promise<{ type: string; data: HookData }[]> {
  const of = (all: ReceivedHook[]) => all.filter((h) => h.json.data.transferId === transferId);
  const hooks = of(await receiver.waitFor((all) => of(all).some((h) => h.json.type === terminal), 60_000));
  const verified = hooks.map((h) => verifyHook(secret, h) as { type: string; data: HookData });
  const sequences = verified.map((v) => v.data.sequence);
  expect(sequences).toEqual(sequences.map((_, i) => i + 1));
  expect(new Set(hooks.map((h) => h.id)).size).toBe(hooks.length);
  return verified;
}

describe('webhooks on Bitcoin regtest (real node)', { timeout: 180_000 }, () => {
  it('RBF speed-up: transfer.speed_up with the replacement, then transfer.finalized with its hash', async () => {
    const walletId = await fundedWallet('wh-btc-speed-up');
    let sent: { transferId: string; transactionHash: string };
    let up: Replacement;
    regtest.pauseMining();
    try {
      sent = await send(walletId, '0.25');
      const res = await stack.call<Replacement>('POST', `/v1/transfers/${sent.transferId}/speed-up`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      up = res.body;
    } finally {
      regtest.resumeMining();
    }
    const final = await waitForTransfer<{ status: string; transactionHash: string }>(stack, sent.transferId);
    expect(final).toMatchObject({ status: 'finalized', transactionHash: up.transactionHash });
    const hooks = await verifiedHooks(sent.transferId, 'transfer.finalized');
    const types = hooks.map((h) => h.type);
    expect(types.slice(0, 2)).toEqual(['transfer.submitted', 'transfer.speed_up']);
    expect(types.at(-1)).toBe('transfer.finalized');
    expect(hooks[0]!.data.transactionHash).toBe(sent.transactionHash);
    expect(hooks[1]!.data.replacement).toEqual({
      kind: 'speed_up',
      attempt: 2,
      transactionHash: up.transactionHash,
      reason: expect.stringContaining('the same inputs'),
    });
    expect(hooks.at(-1)!.data.transactionHash).toBe(up.transactionHash);
  });

  it('RBF cancel: transfer.cancel_requested, then transfer.replaced with the cancel hash', async () => {
    const walletId = await fundedWallet('wh-btc-cancel');
    let sent: { transferId: string; transactionHash: string };
    let cancel: Replacement;
    regtest.pauseMining();
    try {
      sent = await send(walletId, '0.3');
      const res = await stack.call<Replacement>('POST', `/v1/transfers/${sent.transferId}/cancel`, {});
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      cancel = res.body;
    } finally {
      regtest.resumeMining();
    }
    expect((await waitForTransfer<{ status: string }>(stack, sent.transferId)).status).toBe('replaced');
    const hooks = await verifiedHooks(sent.transferId, 'transfer.replaced');
    expect(hooks.map((h) => h.type)).toEqual(['transfer.submitted', 'transfer.cancel_requested', 'transfer.replaced']);
    expect(hooks[1]!.data.replacement).toEqual({
      kind: 'cancel',
      attempt: 2,
      transactionHash: cancel.transactionHash,
      reason: expect.any(String),
    });
    expect(hooks[2]!.data).toMatchObject({ status: 'replaced', transactionHash: cancel.transactionHash });
  });

  it('a real reorg: transfer.confirmed → transfer.reorged → … → transfer.finalized on the new branch', async () => {
    const walletId = await fundedWallet('wh-btc-reorg');
    let sent: { transferId: string; transactionHash: string };
    let blockHash: string | undefined;
    regtest.pauseMining();
    try {
      sent = await send(walletId, '0.2');
      [blockHash] = await regtest.node.mine(1);
      await waitForTransfer(stack, sent.transferId, (t) => t.status === 'confirmed');
      await regtest.node.rpc('invalidateblock', [blockHash]);
      await waitForTransfer(stack, sent.transferId, (t) => t.status === 'submitted');
    } finally {
      regtest.resumeMining();
    }
    expect((await waitForTransfer<{ status: string }>(stack, sent.transferId)).status).toBe('finalized');
    const hooks = await verifiedHooks(sent.transferId, 'transfer.finalized');
    const types = hooks.map((h) => h.type);
    expect(types.slice(0, 3)).toEqual(['transfer.submitted', 'transfer.confirmed', 'transfer.reorged']);
    expect(types.at(-1)).toBe('transfer.finalized');
    expect(types.filter((t) => t === 'transfer.reorged')).toHaveLength(1);
    expect(hooks[1]!.data.blockHash).toBe(blockHash);
    expect(hooks[2]!.data).toMatchObject({ status: 'submitted', blockHash: null });
    const finalized = hooks.at(-1)!.data;
    expect(finalized.transactionHash).toBe(sent.transactionHash);
    expect(finalized.blockHash).not.toBe(blockHash);
  });
});
