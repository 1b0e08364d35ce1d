/**
 * Recipients a transfer must never have, checked before anything is written: the family's zero / burn address
 * (money sent there is gone) and the sending wallet itself (a self-send only burns the fee and, on account chains,
 * a nonce). Caller-built transactions (`evm_call`, `solana_transaction`) name a contract or program as `to` and are
 * not plain payments, so only the self-send rule applies to EVM calls and neither to Solana programs.
 */
import type { ChainFamily } from '../chains/types.js';
import { badRequest, ErrorId } from '../errors/codes.js';

const ZERO_ADDRESSES: Partial<Record<ChainFamily, readonly string[]>> = {
  evm: ['0x0000000000000000000000000000000000000000'],
  // base58check of 0x41 followed by twenty zero bytes
  tron: ['T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb'],
  // the System Program id: lamports sent to it are lost
  solana: ['11111111111111111111111111111111'],
  // the all-zero ed25519 key (no one holds its secret)
  stellar: ['GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF'],
};

const same = (family: ChainFamily, a: string, b: string): boolean =>
  family === 'evm' || family === 'bitcoin' ? a.toLowerCase() === b.toLowerCase() : a === b;

/** Throws `to_zero_address` / `to_is_sender` (400); `callerBuilt` for `evm_call` / `solana_transaction`. */
export function assertRecipient(family: ChainFamily, to: string, from: string, callerBuilt: boolean): void {
  if (!callerBuilt && ZERO_ADDRESSES[family]?.some((zero) => same(family, zero, to)))
    throw badRequest(`"${to}" is the zero / burn address: funds sent there are lost`, ErrorId.ToZeroAddress);
  if (family === 'solana' && callerBuilt) return;
  if (same(family, to, from)) throw badRequest('"to" is the sending wallet itself', ErrorId.ToIsSender);
}
