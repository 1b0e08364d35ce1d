/** Stellar memos: MEMO_TEXT (≤ 28 bytes) by default, MEMO_ID (an unsigned 64-bit integer: what exchanges use). */
import { Memo } from '@stellar/stellar-sdk';
import type { TransferIntent } from '../types.js';

const UINT64_MAX = (1n << 64n) - 1n;

/** A MEMO_ID written in decimal, without leading zeros (one text, one id). */
export function isMemoId(memo: string): boolean {
  return /^(0|[1-9]\d{0,19})$/.test(memo) && BigInt(memo) <= UINT64_MAX;
}

export function memoOf(intent: TransferIntent): Memo {
  if (!intent.memo) return Memo.none();
  return intent.memoType === 'id' ? Memo.id(intent.memo) : Memo.text(intent.memo);
}
