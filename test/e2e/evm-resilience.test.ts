import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  nonce: string | null;
  confirmations: number;
}

const rpcUrl = process.env.RPC_URL_ANVIL!;
const chain = createEvmClient(rpcUrl);
let stack: TestStack;
let proxy: TcpProxy;

const randomAddress = () => `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex')}` as Hex;

beforeAll(async () => {
  const target = new URL(rpcUrl);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  // The orchestrator reaches anvil only through the proxy, so cutting the proxy is an RPC outage.
  const chains = new ChainRegistry(loadNetworks({ ...process.env, RPC_URL_ANVIL: proxy.url }));
  stack = await startTestStack({ chains });
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

async function fundedWallet(userId: string): Promise<{ walletId: string; address: string }> {
  const { body } = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId });
  await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: body.address, amount: '5' });
  return body;
}

describe('EVM transfers under stress', () => {
  it('rides out an RPC outage while polling and still reaches finalized', async () => {
    const wallet = await fundedWallet('outage');
    const to = randomAddress();
    const sent = await stack.call<{ transferId: string; transactionHash: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to,
      token: 'NATIVE',
      amount: '0.1',
      walletId: wallet.walletId,
    });
    expect(sent.status).toBe(200);
    proxy.cut();
    // anvil keeps mining while the orchestrator is blind: ~4 blocks pass.
    await new Promise((r) => setTimeout(r, 4000));
    const during = await stack.call<TransferBody>('GET', `/v1/transfers/${sent.body.transferId}`);
    expect(['submitted', 'confirmed']).toContain(during.body.status);
    proxy.restore();
    const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
    expect(final.status).toBe('finalized');
    expect(await chain.getBalance({ address: to })).toBe(10n ** 17n);
    const history = await stack.call<{ events: { event: string; step?: string }[] }>(
      'GET',
      `/v1/transfers/${sent.body.transferId}/history`,
    );
    expect(history.body.events.some((e) => e.event === 'step.retried' && e.step === 'check_status')).toBe(true);
  });

  it('gives concurrent sends from one wallet distinct consecutive nonces, all finalized', async () => {
    const wallet = await fundedWallet('burst');
    const recipients = Array.from({ length: 6 }, randomAddress);
    const results = await Promise.all(
      recipients.map((to, i) =>
        stack.call<{ transferId: string }>(
          'POST',
          '/v1/assets/send',
          { chain: 'anvil', to, token: 'NATIVE', amount: '0.01', walletId: wallet.walletId },
          { 'idempotency-key': `burst-${i}` },
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(recipients.map(() => 200));
    const finals = await Promise.all(results.map((r) => waitForTransfer<TransferBody>(stack, r.body.transferId)));
    expect(finals.map((f) => f.status)).toEqual(recipients.map(() => 'finalized'));
    expect(finals.map((f) => Number(f.nonce)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const to of recipients) expect(await chain.getBalance({ address: to })).toBe(10n ** 16n);
    expect(await chain.getTransactionCount({ address: wallet.address as Hex })).toBe(6);
  });

  it('rejects a forced nonce the chain already used (bad_nonce) and keeps sequencing', async () => {
    const wallet = await fundedWallet('drift');
    // First transfer through the orchestrator: nonce 0.
    const first = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: randomAddress(),
      token: 'NATIVE',
      amount: '0.01',
      walletId: wallet.walletId,
    });
    await waitForTransfer<TransferBody>(stack, first.body.transferId);
    // Force nonce 0 again (Portal's `nonce` field): the chain already used it → a clear bad_nonce error.
    const stale = await stack.call<{ id: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: randomAddress(),
      token: 'NATIVE',
      amount: '0.01',
      walletId: wallet.walletId,
      nonce: '0x0',
    });
    expect(stale.status).toBe(400);
    expect(stale.body.id).toBe('bad_nonce');
    // A far-future nonce (next + 20, or above 2^53) would park the wallet behind a gap: refused too.
    for (const nonce of ['0x15', '0xffffffffffffffff']) {
      const far = await stack.call<{ id: string; message: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to: randomAddress(),
        token: 'NATIVE',
        amount: '0.01',
        walletId: wallet.walletId,
        nonce,
      });
      expect(far.status, nonce).toBe(400);
      expect(far.body.id).toBe('bad_nonce');
    }
    // The next normal send still gets the right nonce.
    const next = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: randomAddress(),
      token: 'NATIVE',
      amount: '0.01',
      walletId: wallet.walletId,
    });
    const final = await waitForTransfer<TransferBody>(stack, next.body.transferId);
    expect(final).toMatchObject({ status: 'finalized', nonce: '1' });
  });
});
