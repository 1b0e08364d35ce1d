import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getAddress, isAddress } from 'viem';
import { publicKeyToAddress } from 'viem/utils';
import { strip0x } from '../../signer/local-key.js';

/** Accepts lower/upper-case addresses; a mixed-case address must carry a valid EIP-55 checksum. */
export function validateEvmAddress(address: string): boolean {
  return typeof address === 'string' && isAddress(address, { strict: true });
}

/** Compressed or uncompressed secp256k1 public key → checksummed address. */
export function evmAddressFromPublicKey(publicKeyHex: string): string {
  const uncompressed = secp256k1.Point.fromHex(strip0x(publicKeyHex)).toHex(false);
  return getAddress(publicKeyToAddress(`0x${uncompressed}`));
}
