/**
 * POST → RPC acceptance and POST → finalized for N sequential native transfers on anvil, through the whole
 * orchestrator (API → Temporal workflow → MPC/dev signer → anvil → finality polling), side by side with a
 * plain-script baseline that signs and sends the same transfers with viem and polls receipts itself.
 *
 *   npx tsx bench/transfer-latency.ts [N=20]
 *
 * Starts its own PostgreSQL, Temporal dev server and anvil (block time 1 s, 2 confirmations = final).
 */
import { createWalletClient, type Hex, http } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createEvmClient } from '../chains/evm/client.js';
import setupStack from '../test/global-setup.js';
import { startTestStack, waitForTransfer } from '../test/support/stack.js';

const N = Number(process.argv[2] ?? 20);

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function row(name: string, accept: number[], final: number[]) {
  return {
    name,
    acceptP50: pct(accept, 50),
    acceptP99: pct(accept, 99),
    finalP50: pct(final, 50),
    finalP99: pct(final, 99),
  };
}

async function orchestrator(): Promise<{ accept: number[]; final: number[] }> {
  const stack = await startTestStack();
  try {
    const w = await stack.call<{ walletId: string; address: string }>('POST', '/api/wallets', { userId: 'bench' });
    await stack.call('POST', '/v1/dev/faucet', { chain: 'anvil', address: w.body.address, amount: '100' });
    // warm-up (bundle, connections, presignatures) not counted
    const warm = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
      chain: 'anvil',
      to: w.body.address,
      token: 'NATIVE',
      amount: '0.001',
      walletId: w.body.walletId,
    });
    await waitForTransfer(stack, warm.body.transferId);
    const accept: number[] = [];
    const final: number[] = [];
    for (let i = 0; i < N; i++) {
      const to = privateKeyToAccount(generatePrivateKey()).address;
      const t0 = performance.now();
      const sent = await stack.call<{ transferId: string }>('POST', '/v1/assets/send', {
        chain: 'anvil',
        to,
        token: 'NATIVE',
        amount: '0.01',
        walletId: w.body.walletId,
      });
      if (sent.status !== 200) throw new Error(`send failed: ${JSON.stringify(sent.body)}`);
      accept.push(performance.now() - t0);
      const done = await waitForTransfer<{ status: string }>(stack, sent.body.transferId, undefined, 60_000);
      if (done.status !== 'finalized') throw new Error(`transfer ended ${done.status}`);
      final.push(performance.now() - t0);
    }
    return { accept, final };
  } finally {
    await stack.close();
  }
}

/** The same transfers from a plain script: sign locally, send, poll the receipt until 2 confirmations. */
async function baseline(): Promise<{ accept: number[]; final: number[] }> {
  const rpcUrl = process.env.RPC_URL_ANVIL!;
  const client = createEvmClient(rpcUrl);
  const account = privateKeyToAccount(generatePrivateKey());
  await client.request({
    method: 'anvil_setBalance' as never,
    params: [account.address, '0x56BC75E2D63100000'] as never,
  });
  const chain = {
    id: 31337,
    name: 'anvil',
    nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const accept: number[] = [];
  const final: number[] = [];
  for (let i = 0; i < N; i++) {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const t0 = performance.now();
    const hash = await wallet.sendTransaction({ to, value: 10n ** 16n });
    accept.push(performance.now() - t0);
    for (;;) {
      const receipt = await client.getTransactionReceipt({ hash: hash as Hex }).catch(() => null);
      if (receipt && (await client.getBlockNumber({ cacheTime: 0 })) - receipt.blockNumber + 1n >= 2n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    final.push(performance.now() - t0);
  }
  return { accept, final };
}

const teardown = await setupStack();
try {
  const base = await baseline();
  const orch = await orchestrator();
  const rows = [
    row('plain viem script', base.accept, base.final),
    row('orchestrator (API → Temporal)', orch.accept, orch.final),
  ];
  console.log(`\n${N} sequential native transfers on anvil (block time 1 s, final at 2 confirmations), ms:`);
  console.table(
    rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v) : v])),
    ),
  );
  const [b, o] = rows as [ReturnType<typeof row>, ReturnType<typeof row>];
  console.log(
    `ratio orchestrator/plain: acceptance p50 ${(o.acceptP50 / b.acceptP50).toFixed(1)}×, finalized p50 ${(o.finalP50 / b.finalP50).toFixed(2)}×`,
  );
} finally {
  await teardown();
}
