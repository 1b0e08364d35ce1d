// A deliberately non-deterministic edit of the transfer workflow (signs before reserving), used to prove
// that the replay test catches such changes.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { TransferInput, TransferProgress } from '../../workflows/shared.js';

const a = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function transferWorkflow(input: TransferInput): Promise<TransferProgress> {
  await a.sign(input, { chain: input.network, unsigned: '', payloads: [], details: {} }, 1);
  await a.preflight(input);
  return { status: 'failed', confirmations: 0, attempt: 0 };
}
