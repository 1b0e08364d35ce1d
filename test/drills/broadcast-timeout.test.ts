/**
 * Drill: the broadcast reaches the node, which acts on it but never answers, so the broadcast activity runs out
 * of time (a Temporal start-to-close timeout, not an error the adapter threw). The transaction lands meanwhile.
 * The transfer must end `finalized` — never `failed` — with one signed attempt and one transaction on chain, and
 * the wallet's next transfer must get the next nonce.
 *
 * Anvil behind the scriptable HTTP proxy; the stack runs with a 3 s broadcast time limit (BROADCAST_*_TIMEOUT_MS),
 * one try, so the workflow itself meets the timeout.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import { type HttpProxy, startHttpProxy } from '../support/http-proxy.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
const BROADCAST_LIMIT_MS = 3000;

let stack: TestStack;
let proxy: HttpProxy;

beforeAll(async () => {
  proxy = await startHttpProxy(anvilUrl);
  const chains = new ChainRegistry(loadNetworks({ ...process.env, RPC_URL_ANVIL: proxy.url }));
  stack = await startTestStack({
    chains,
    env: {
      BROADCAST_TRY_TIMEOUT_MS: String(BROADCAST_LIMIT_MS),
      BROADCAST_TOTAL_TIMEOUT_MS: String(BROADCAST_LIMIT_MS),
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  nonce: string | null;
  attempts: { attempt: number; transactionHash: string; dead: unknown }[];
}

describe('broadcast times out, the transaction lands', { timeout: 240_000 }, () => {
  it('EVM: the held first send → finalized once, one attempt, nonce +1; the next transfer gets the next nonce', async () => {
    const w = await stack.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
      userId: `drill-timeout-${Date.now()}`,
    });
    expect(w.status).toBe(201);
    const from = w.body.addresses.anvil as Hex;
    const f = await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: from, amount: '3' });
    expect(f.status, JSON.stringify(f.body)).toBe(200);
    const to = stack.runtime.chains
      .get('anvil')
      .addressFromPublicKey(publicKeyOf('secp256k1', generatePrivateKey('secp256k1'))) as Hex;

    let sends = 0;
    proxy.setRule((call) => {
      if (call.body.method !== 'eth_sendRawTransaction') return undefined;
      sends++;
      return sends === 1 ? { kind: 'forward-hold' } : undefined;
    });
    const nonceBefore = await anvil.getTransactionCount({ address: from });
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.25',
        walletId: w.body.walletId,
      });
      expect([200, 202], JSON.stringify(sent.body)).toContain(sent.status);
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');

      // The workflow met a real activity timeout on the broadcast, not an error.
      const history = await stack.call<{ events: { event: string; step?: string; detail?: string }[] }>(
        'GET',
        `/v1/transfers/${sent.body.transferId}/history`,
      );
      expect(history.body.events).toContainEqual(
        expect.objectContaining({ event: 'step.timed_out', step: 'broadcast' }),
      );
      expect(history.body.events.some((e) => e.event === 'step.failed' && e.step === 'broadcast')).toBe(false);
      expect(sends).toBe(1); // the held send was the only one: no retry inside the one-try limit

      expect(final.attempts).toHaveLength(1);
      expect(final.transactionHash).toBe(final.attempts[0]!.transactionHash);
      const receipt = await anvil.getTransactionReceipt({ hash: final.transactionHash as Hex });
      expect(receipt.status).toBe('success');
      expect(await anvil.getTransactionCount({ address: from })).toBe(nonceBefore + 1);
      expect(await anvil.getBalance({ address: to })).toBe(250_000_000_000_000_000n);
    } finally {
      proxy.setRule(undefined);
    }

    const next = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to,
      token: 'NATIVE',
      amount: '0.01',
      walletId: w.body.walletId,
    });
    const second = await waitForTransfer<TransferBody>(stack, next.body.transferId);
    expect(second).toMatchObject({ status: 'finalized', nonce: String(nonceBefore + 1) });
    expect(second.attempts).toHaveLength(1);
    expect(await anvil.getTransactionCount({ address: from })).toBe(nonceBefore + 2);
    expect(await anvil.getBalance({ address: to })).toBe(260_000_000_000_000_000n);
  });
});
