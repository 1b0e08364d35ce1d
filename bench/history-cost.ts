/**
 * What one finalized transfer costs Temporal, by confirmations:  npx tsx bench/history-cost.ts [--confirmations=2,64]
 *
 * For each depth: one EVM native send through the real API and worker (in-process test stack on the shared
 * PostgreSQL, Temporal dev server and anvil with 1 s blocks) to `finalized`; then, over every run of its workflow
 * (continue-as-new included): history events, workflow tasks, activities (status checks among them) and the
 * history's size in bytes. Plain baseline in the same run: a viem script that sends the same transfer and waits for
 * the same depth with one receipt query per block (`waitForTransactionReceipt`): its RPC calls.
 * Writes bench/results/<date>-history-cost.json.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { createEvmClient } from '../chains/evm/client.js';
import { loadNetworks } from '../chains/networks.js';
import { ChainRegistry } from '../chains/registry.js';
import setupStack from '../test/global-setup.js';
import { fundedServerWallet, startTestStack, waitForTransfer } from '../test/support/stack.js';
import { machine, writeResult } from './report.js';

const { EventType } = proto.temporal.api.enums.v1;
const flag = process.argv.find((a) => a.startsWith('--confirmations='));
const DEPTHS = (flag ? flag.slice('--confirmations='.length) : '2,64').split(',').map(Number);

interface Cost {
  confirmations: number;
  runs: number;
  events: number;
  workflowTasks: number;
  activities: number;
  statusChecks: number;
  historyBytes: number;
  submitToFinalMs: number;
  plainRpcCalls: number;
  plainSubmitToFinalMs: number;
}

async function historyCost(temporal: Client, workflowId: string) {
  let runId: string | undefined;
  const totals = { runs: 0, events: 0, workflowTasks: 0, activities: 0, statusChecks: 0, historyBytes: 0 };
  for (;;) {
    const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    totals.runs++;
    totals.historyBytes += proto.temporal.api.history.v1.History.encode(history).finish().length;
    for (const e of history.events ?? []) {
      totals.events++;
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) totals.workflowTasks++;
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        totals.activities++;
        if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkStatus') totals.statusChecks++;
      }
    }
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return totals;
  }
}

/** The plain script: send with an anvil dev key, wait for `confirmations` with viem, count the RPC calls. */
async function plain(confirmations: number): Promise<{ calls: number; ms: number }> {
  let calls = 0;
  const transport = http(process.env.RPC_URL_ANVIL, {
    onFetchRequest: () => {
      calls++;
    },
  });
  const account = mnemonicToAccount('test test test test test test test test test test test junk', {
    addressIndex: 7,
  });
  const wallet = createWalletClient({ account, transport, chain: undefined });
  const rpc = createEvmClient(process.env.RPC_URL_ANVIL!);
  const t0 = performance.now();
  calls = 0;
  const hash = await wallet.sendTransaction({
    to: privateKeyToAccount(generatePrivateKey()).address,
    value: 10n ** 15n,
    chain: await rpc.getChainId().then((id) => ({
      id,
      name: 'anvil',
      nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [process.env.RPC_URL_ANVIL!] } },
    })),
  });
  const counting = createPublicClient({ transport, cacheTime: 0 });
  await counting.waitForTransactionReceipt({ hash: hash as Hex, confirmations, pollingInterval: 500 });
  return { calls, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const teardown = await setupStack();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection });
  const results: Cost[] = [];
  try {
    for (const confirmations of DEPTHS) {
      const chains = new ChainRegistry(
        loadNetworks({ ...process.env, REQUIRED_CONFIRMATIONS_ANVIL: String(confirmations) }),
      );
      const stack = await startTestStack({ chains });
      try {
        const wallet = await fundedServerWallet(stack, `hc-${confirmations}`, '1');
        const to = privateKeyToAccount(generatePrivateKey()).address;
        const t0 = performance.now();
        const sent = await stack.call<{ transferId: string }>(
          'POST',
          '/v1/assets/send',
          { chain: 'anvil', to, token: 'NATIVE', amount: '0.001', walletId: wallet.walletId },
          { 'idempotency-key': `hc-${confirmations}-${to}` },
        );
        if (sent.status !== 200) throw new Error(`send ${sent.status}: ${JSON.stringify(sent.body)}`);
        await waitForTransfer(stack, sent.body.transferId, undefined, confirmations * 3_000 + 60_000);
        const submitToFinalMs = performance.now() - t0;
        const row = await stack.runtime.prisma.transfer.findUniqueOrThrow({ where: { id: sent.body.transferId } });
        const cost = await historyCost(temporal, row.workflowId);
        const p = await plain(confirmations);
        results.push({
          confirmations,
          ...cost,
          submitToFinalMs,
          plainRpcCalls: p.calls,
          plainSubmitToFinalMs: p.ms,
        });
      } finally {
        await stack.close();
      }
    }
    console.log('\nTemporal cost of one finalized EVM transfer (anvil, 1 s blocks), next to a plain viem wait');
    console.table(
      results.map((r) => ({
        confirmations: r.confirmations,
        runs: r.runs,
        'history events': r.events,
        'workflow tasks': r.workflowTasks,
        activities: r.activities,
        'status checks': r.statusChecks,
        'history KB': (r.historyBytes / 1024).toFixed(1),
        'submit → final ms': Math.round(r.submitToFinalMs),
        'plain: RPC calls': r.plainRpcCalls,
        'plain: submit → final ms': Math.round(r.plainSubmitToFinalMs),
      })),
    );
    writeResult('history-cost', { machine: machine(), results });
  } finally {
    await connection.close();
    await teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
