/**
 * Drill: the first broadcast reaches the network but its answer is lost, and the retry is answered by a node
 * with a stale view ("Blockhash not found", "nonce too low", TAPOS_ERROR) that also does not know the transaction
 * for a few seconds. Before the fix the workflow re-signed on that `not_found` and the recipient was paid twice
 * (security review C2) or the transfer was reported `failed` while it landed (H1). Now: one transaction lands,
 * the transfer ends `finalized` with one signed attempt, the recipient is paid once.
 *
 * Runs on anvil, the Solana test peer and the TRON test peer, each behind a scriptable HTTP proxy.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmClient } from '../../chains/evm/client.js';
import { loadNetworks } from '../../chains/networks.js';
import { ChainRegistry } from '../../chains/registry.js';
import { generatePrivateKey, publicKeyOf } from '../../signer/local-key.js';
import { type RunningChain, solanaCase, tronCase } from '../support/chain-cases.js';
import { type HttpProxy, type ProxiedCall, type ProxyRule, startHttpProxy } from '../support/http-proxy.js';
import { startTestStack, type TestStack, waitForTransfer } from '../support/stack.js';

const anvilUrl = process.env.RPC_URL_ANVIL!;
const anvil = createEvmClient(anvilUrl);
/** How long the stale node hides the transaction (shorter than the Solana peer's 4 s blockhash window). */
const STALE_MS = 2500;

let stack: TestStack;
let solana: RunningChain;
let tron: RunningChain;
const proxies: Record<'evm' | 'solana' | 'tron', HttpProxy> = {} as never;

beforeAll(async () => {
  [solana, tron] = await Promise.all([solanaCase.start(), tronCase.start()]);
  proxies.evm = await startHttpProxy(anvilUrl);
  proxies.solana = await startHttpProxy(solana.env.RPC_URL_SOLANA_LOCAL!);
  proxies.tron = await startHttpProxy(tron.env.RPC_URL_TRON_LOCAL!);
  const chains = new ChainRegistry(
    loadNetworks({
      ...process.env,
      RPC_URL_ANVIL: proxies.evm.url,
      RPC_URL_SOLANA_LOCAL: proxies.solana.url,
      RPC_URL_TRON_LOCAL: proxies.tron.url,
    }),
  );
  stack = await startTestStack({ chains });
});
afterAll(async () => {
  await stack?.close();
  await Promise.allSettled(Object.values(proxies).map((p) => p.close()));
  await Promise.allSettled([solana?.stop(), tron?.stop()]);
});

async function fundedWallet(network: string, amount: string): Promise<{ walletId: string; address: string }> {
  const w = await stack.call<{ walletId: string; addresses: Record<string, string> }>('POST', '/api/wallets', {
    userId: `drill-${network}-${Date.now()}`,
  });
  expect(w.status).toBe(201);
  const address = w.body.addresses[network]!;
  const f = await stack.call('POST', '/v1/dev/faucet', { chain: network, address, amount });
  expect(f.status, JSON.stringify(f.body)).toBe(200);
  return { walletId: w.body.walletId, address };
}

function recipient(network: string): string {
  const adapter = stack.runtime.chains.get(network);
  return adapter.addressFromPublicKey(publicKeyOf(adapter.curve, generatePrivateKey(adapter.curve)));
}

/**
 * The fault: the first send is forwarded but its answer dropped; for STALE_MS afterwards every further send gets
 * `staleAnswer` and every lookup matching `hides` gets `hidden(call)` (a node that has not seen the transaction).
 */
function lostAnswerThenStaleNode(opts: {
  isSend: (c: ProxiedCall) => boolean;
  staleAnswer: unknown;
  hides: (c: ProxiedCall) => boolean;
  hidden: (c: ProxiedCall) => ReturnType<ProxyRule>;
}): { rule: ProxyRule; sends: () => number } {
  let sends = 0;
  let staleUntil = 0;
  const rule: ProxyRule = (call) => {
    if (opts.isSend(call)) {
      sends++;
      if (sends === 1) {
        staleUntil = Date.now() + STALE_MS;
        return { kind: 'forward-drop' };
      }
      if (Date.now() < staleUntil) return { kind: 'respond', body: opts.staleAnswer };
      return undefined;
    }
    if (Date.now() < staleUntil && opts.hides(call)) return opts.hidden(call);
    return undefined;
  };
  return { rule, sends: () => sends };
}

interface TransferBody {
  transferId: string;
  status: string;
  transactionHash: string;
  nonce: string | null;
  attempts: { attempt: number; transactionHash: string; dead: unknown }[];
}

// Wallet creation (MPC key generation) takes seconds of CPU on a busy 2-core machine.
describe('lost broadcast answer, then a lagging node', { timeout: 240_000 }, () => {
  it('EVM: "nonce too low" from a stale node after a lost answer → finalized once, the next transfer gets the next nonce', async () => {
    const wallet = await fundedWallet('anvil', '3');
    const to = recipient('anvil') as Hex;
    const fault = lostAnswerThenStaleNode({
      isSend: (c) => c.body.method === 'eth_sendRawTransaction',
      staleAnswer: { error: { code: -32000, message: 'nonce too low' } },
      hides: (c) => c.body.method === 'eth_getTransactionByHash' || c.body.method === 'eth_getTransactionReceipt',
      hidden: () => ({ kind: 'respond', body: { result: null } }),
    });
    const nonceBefore = await anvil.getTransactionCount({ address: wallet.address as Hex });
    proxies.evm.setRule(fault.rule);
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.25',
        walletId: wallet.walletId,
      });
      expect([200, 202]).toContain(sent.status);
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      expect(fault.sends()).toBeGreaterThanOrEqual(2); // the retry did meet the stale node
      const view = await stack.call<TransferBody>('GET', `/v1/transfers/${sent.body.transferId}`);
      expect(view.body.attempts).toHaveLength(1);
      expect(await anvil.getBalance({ address: to })).toBe(250_000_000_000_000_000n);
      expect(await anvil.getTransactionCount({ address: wallet.address as Hex })).toBe(nonceBefore + 1);
    } finally {
      proxies.evm.setRule(undefined);
    }
    const next = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to,
      token: 'NATIVE',
      amount: '0.01',
      walletId: wallet.walletId,
    });
    const second = await waitForTransfer<TransferBody>(stack, next.body.transferId);
    expect(second).toMatchObject({ status: 'finalized', nonce: String(nonceBefore + 1) });
  });

  it('Solana: "Blockhash not found" from a stale node after a lost answer → one transaction, paid once', async () => {
    const wallet = await fundedWallet('solana-local', '2');
    const to = recipient('solana-local');
    let frozenHeight: number | undefined;
    const fault = lostAnswerThenStaleNode({
      isSend: (c) => c.body.method === 'sendTransaction',
      staleAnswer: {
        error: {
          code: -32002,
          message: 'Transaction simulation failed: Blockhash not found',
          data: {
            accounts: null,
            err: 'BlockhashNotFound',
            innerInstructions: null,
            loadedAccountsDataSize: 0,
            logs: [],
            replacementBlockhash: null,
            returnData: null,
            unitsConsumed: 0,
          },
        },
      },
      hides: (c) => c.body.method === 'getSignatureStatuses' || c.body.method === 'getBlockHeight',
      // A lagging node: it knows no new signature and its block height stands still.
      hidden: (c) =>
        c.body.method === 'getBlockHeight'
          ? {
              kind: 'forward',
              transform: (a) => {
                const answer = a as { result: number };
                frozenHeight ??= answer.result;
                return { ...answer, result: Math.min(answer.result, frozenHeight) };
              },
            }
          : {
              kind: 'forward',
              transform: (a) => {
                const answer = a as { result: { context: unknown; value: unknown[] } };
                return { ...answer, result: { ...answer.result, value: answer.result.value.map(() => null) } };
              },
            },
    });
    proxies.solana.setRule(fault.rule);
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'solana-local',
        to,
        token: 'NATIVE',
        amount: '0.5',
        walletId: wallet.walletId,
      });
      expect([200, 202]).toContain(sent.status);
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      expect(fault.sends()).toBeGreaterThanOrEqual(2);
      const view = await stack.call<TransferBody>('GET', `/v1/transfers/${sent.body.transferId}`);
      expect(view.body.attempts).toHaveLength(1);
      expect(await solana.balance(to)).toBe(500_000_000n);
    } finally {
      proxies.solana.setRule(undefined);
    }
  });

  it('TRON: TAPOS_ERROR from a stale node after a lost answer → one transaction, paid once', async () => {
    const wallet = await fundedWallet('tron-local', '100');
    const to = recipient('tron-local');
    const fault = lostAnswerThenStaleNode({
      isSend: (c) => c.path.startsWith('/wallet/broadcasttransaction'),
      staleAnswer: {
        result: false,
        code: 'TAPOS_ERROR',
        message: Buffer.from('Tapos failed, block not found').toString('hex'),
      },
      hides: (c) =>
        /gettransactioninfobyid|gettransactionbyid|gettransactionfrompending/i.test(c.path) && c.text.length > 0,
      hidden: () => ({ kind: 'respond', body: {} }),
    });
    proxies.tron.setRule(fault.rule);
    try {
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'tron-local',
        to,
        token: 'NATIVE',
        amount: '7',
        walletId: wallet.walletId,
      });
      expect([200, 202]).toContain(sent.status);
      const final = await waitForTransfer<TransferBody>(stack, sent.body.transferId);
      expect(final.status).toBe('finalized');
      expect(fault.sends()).toBeGreaterThanOrEqual(2);
      const view = await stack.call<TransferBody>('GET', `/v1/transfers/${sent.body.transferId}`);
      expect(view.body.attempts).toHaveLength(1);
      expect(await tron.balance(to)).toBe(7_000_000n);
    } finally {
      proxies.tron.setRule(undefined);
    }
  });
});
