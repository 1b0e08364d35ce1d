import type { BroadcastResult } from '../chains/types.js';

export interface BroadcastOutcome extends BroadcastResult {
  /** Worker clock at acceptance (workflow code must not read the clock for this). */
  broadcastAt: number;
}
