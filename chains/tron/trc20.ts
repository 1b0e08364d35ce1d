/**
 * TRC-20 call data. Tron's VM is the EVM with 0x41-prefixed addresses; ABI words carry the 20-byte body.
 */
import { tronAddressToHex } from './address.js';

export const TRANSFER_SELECTOR = 'a9059cbb'; // transfer(address,uint256)
export const BALANCE_OF_SELECTOR = '70a08231'; // balanceOf(address)

function addressWord(address: string): string {
  return tronAddressToHex(address).slice(2).padStart(64, '0');
}

function uintWord(value: bigint): string {
  if (value < 0n || value >= 1n << 256n) throw new Error('uint256 out of range');
  return value.toString(16).padStart(64, '0');
}

/** Parameter part (no selector) of transfer(to, amount). */
export function transferParameter(to: string, amount: bigint): string {
  return addressWord(to) + uintWord(amount);
}

export function transferCallData(to: string, amount: bigint): string {
  return TRANSFER_SELECTOR + transferParameter(to, amount);
}

export function balanceOfParameter(owner: string): string {
  return addressWord(owner);
}

/** A constant call's 32-byte result word → bigint (empty → 0). */
export function decodeUint(word: string | undefined): bigint {
  const clean = (word ?? '').replace(/^0x/i, '');
  return clean ? BigInt(`0x${clean.slice(0, 64)}`) : 0n;
}
