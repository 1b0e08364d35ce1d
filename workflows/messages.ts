import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ReplacementRequest } from '../chains/types.js';
import type { ReplacementResult, SubmissionResult, TransferProgress } from './shared.js';

/**
 * Completes once the transaction is accepted by the RPC (or the transfer fails before that).
 * The API uses it with update-with-start: the HTTP call returns at RPC acceptance while the
 * workflow goes on to finality.
 */
export const waitForSubmissionUpdate = defineUpdate<SubmissionResult>('waitForSubmission');

/** Live progress, for ops and for the status endpoint when the projection lags. */
export const progressQuery = defineQuery<TransferProgress>('progress');

/** Speed-up or cancel: a same-nonce replacement of the latest attempt; answers once it is signed and sent. */
export const replaceUpdate = defineUpdate<ReplacementResult, [ReplacementRequest]>('replace');
