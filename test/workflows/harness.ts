/**
 * Workflow tests run on a real Temporal dev server started by @temporalio/testing (createLocal with the
 * `temporal` CLI we install, since its own download cannot work offline), with scripted activities.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../activities/index.js';
import type { ChainStatus, PreflightResult, SignedTx, UnsignedTx } from '../../chains/types.js';
import { findTemporalCli } from '../../scripts/stack/temporal.js';
import type { StatusPatch, TransferInput } from '../../workflows/shared.js';

export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  const path = findTemporalCli();
  if (!path) throw new Error('temporal CLI not found: run npm run setup');
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, ui: false, extraArgs: ['--log-level', 'error'] },
  });
}

export const input: TransferInput = {
  transferId: 'tr_test',
  tenantId: 't1',
  walletId: 'w1',
  network: 'anvil',
  intent: {
    transferId: 'tr_test',
    chain: 'anvil',
    from: { address: '0x1111111111111111111111111111111111111111', publicKey: '02'.padEnd(66, '1') },
    to: '0x2222222222222222222222222222222222222222',
    token: { kind: 'native', symbol: 'ETH', decimals: 18 },
    rawAmount: '1000',
  },
  requiredConfirmations: 2,
  pollIntervalMs: 50,
};

export interface Recorder {
  patches: StatusPatch[];
  calls: string[];
  /** Re-sign reasons, by attempt. */
  reasons: Record<number, string>;
  /** Death evidence, by attempt. */
  dead: Record<number, string>;
}

/** Scripted activities: `statuses` are returned one per check (the last one repeats). */
export function scriptedActivities(
  opts: {
    statuses?: ChainStatus[];
    /** Per-hash answers instead of `statuses` (several attempts watched at once). */
    status?: (hash: string, check: number) => ChainStatus;
    preflight?: () => Promise<PreflightResult>;
    /** Throw to fail the broadcast of `attempt` (`resend`: a watch-loop resend). */
    broadcast?: (attempt: number, resend: boolean) => Promise<void>;
  } = {},
): { activities: Activities; rec: Recorder } {
  const rec: Recorder = { patches: [], calls: [], reasons: {}, dead: {} };
  let checks = 0;
  const statuses = [
    ...(opts.statuses ?? [{ state: 'included', blockNumber: '5', blockHash: '0xb', confirmations: 2, final: true }]),
  ];
  let signCount = 0;
  const unsigned = (): UnsignedTx => ({
    chain: 'anvil',
    unsigned: '0x00',
    payloads: [{ curve: 'secp256k1', payload: 'aa'.repeat(32) }],
    details: { nonce: '0' },
  });
  const activities = {
    preflight: async () => {
      rec.calls.push('preflight');
      return opts.preflight
        ? opts.preflight()
        : { errors: [], warnings: [], fee: '21', totalSpent: '1021', context: {} };
    },
    reserve: async () => {
      rec.calls.push('reserve');
      return { nonce: '0' };
    },
    build: async () => {
      rec.calls.push('build');
      return unsigned();
    },
    sign: async () => {
      rec.calls.push('sign');
      signCount++;
      return [{ curve: 'secp256k1' as const, signature: 'bb'.repeat(64), recovery: 0 }];
    },
    storeSigned: async (
      _i: TransferInput,
      attempt: number,
      _u: UnsignedTx,
      _s: unknown,
      reason?: string,
    ): Promise<SignedTx> => {
      rec.calls.push('storeSigned');
      rec.reasons[attempt] = reason ?? 'initial';
      return { raw: `0xraw${attempt}`, hash: `0xhash${attempt}-${signCount}` };
    },
    broadcast: async (_i: TransferInput, attempt: number, _s: SignedTx, resend?: boolean) => {
      rec.calls.push(resend ? 'resend' : 'broadcast');
      await opts.broadcast?.(attempt, resend === true);
      return { hash: `0xhash${attempt}`, alreadyKnown: false, broadcastAt: 1 };
    },
    checkStatus: async (_i: TransferInput, hash: string) => {
      rec.calls.push('checkStatus');
      if (opts.status) return opts.status(hash, checks++);
      return statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    },
    markAttemptDead: async (_id: string, attempt: number, evidence: string) => {
      rec.calls.push('markAttemptDead');
      rec.dead[attempt] = evidence;
    },
    recordTransition: async (_id: string, patch: StatusPatch) => {
      rec.patches.push(patch);
    },
    releaseReservation: async () => {
      rec.calls.push('releaseReservation');
    },
    // The merged steps: the same scripted steps in one activity each (the calls read as before).
    prepareAttempt: async (i: TransferInput, attempt: number, reason: string) => {
      const a = activities as unknown as Record<string, (...args: unknown[]) => Promise<never>>;
      const pre = (await a.preflight!(i)) as PreflightResult;
      const reservation = await a.reserve!(i, pre);
      const u = (await a.build!(i, pre, reservation)) as UnsignedTx;
      const sigs = await a.sign!(i, u, attempt);
      const signed = await a.storeSigned!(i, attempt, u, sigs, reason);
      return { signed, details: u.details, fee: pre.fee };
    },
    broadcastAndRecord: async (i: TransferInput, attempt: number, s: SignedTx, patch: StatusPatch) => {
      const a = activities as unknown as Record<string, (...args: unknown[]) => Promise<never>>;
      const result = await a.broadcast!(i, attempt, s, false);
      rec.patches.push(patch);
      return result;
    },
  } as unknown as Activities;
  return { activities, rec };
}
