/** A send's memo type, checked before anything is written: MEMO_ID exists on Stellar only and is a uint64. */
import { isMemoId } from '../chains/stellar/memo.js';
import type { ChainFamily } from '../chains/types.js';
import { badRequest, ErrorId } from '../errors/codes.js';

export function assertMemo(family: ChainFamily, memo: string | undefined, memoType: 'text' | 'id' | undefined): void {
  if (memoType !== 'id') return;
  if (family !== 'stellar') throw badRequest(`memoType "id" exists on Stellar only, not on ${family}`, ErrorId.BadMemo);
  if (memo === undefined || !isMemoId(memo))
    throw badRequest(
      `memoType "id" needs metadataStr to be an unsigned 64-bit integer in decimal, not ${JSON.stringify(memo ?? null)}`,
      ErrorId.BadMemo,
    );
}
