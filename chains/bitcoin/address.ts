/**
 * Addresses for one network's parameters (taken from the network config, so the regtest peer's
 * Litecoin-style params and Bitcoin mainnet's params go through the same code).
 *
 * Accepted destinations: P2PKH, P2SH, P2WPKH, P2WSH and P2TR (with a valid x-only key). Future segwit
 * versions are refused: coins sent there cannot be spent safely today.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { script as bscript, address as btcAddress, type Network, opcodes } from 'bitcoinjs-lib';
import type { NetworkConfig } from '../types.js';

/** bitcoinjs network object built from `network.params` (bech32, pubKeyHash, scriptHash, wif). */
export function bitcoinjsNetwork(network: NetworkConfig): Network {
  const p = network.params ?? {};
  const num = (k: string): number => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new Error(`network ${network.name}: params.${k} must be an integer`);
    return v;
  };
  if (typeof p.bech32 !== 'string') throw new Error(`network ${network.name}: params.bech32 must be a string`);
  return {
    messagePrefix: '\x18Bitcoin Signed Message:\n',
    bech32: p.bech32,
    pubKeyHash: num('pubKeyHash'),
    scriptHash: num('scriptHash'),
    wif: num('wif'),
    bip32: { public: 0x043587cf, private: 0x04358394 },
  };
}

export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** OP_0 <20-byte key hash>. */
export function p2wpkhScript(pubkeyHash: Uint8Array): Uint8Array {
  return bscript.compile([opcodes.OP_0 as number, pubkeyHash]);
}

/** BIP143 scriptCode for a P2WPKH input: the P2PKH script of the key hash. */
export function p2wpkhScriptCode(pubkeyHash: Uint8Array): Uint8Array {
  return bscript.compile([
    opcodes.OP_DUP as number,
    opcodes.OP_HASH160 as number,
    pubkeyHash,
    opcodes.OP_EQUALVERIFY as number,
    opcodes.OP_CHECKSIG as number,
  ]);
}

/** Parses and checks a compressed secp256k1 public key (33 bytes hex); throws otherwise. */
export function parseCompressedPublicKey(publicKeyHex: string): Uint8Array {
  const hex = publicKeyHex.startsWith('0x') ? publicKeyHex.slice(2) : publicKeyHex;
  if (!/^(02|03)[0-9a-fA-F]{64}$/.test(hex))
    throw new Error('public key must be a 33-byte compressed secp256k1 key (hex)');
  const bytes = hexToBytes(hex.toLowerCase());
  secp256k1.Point.fromBytes(bytes); // throws if not on the curve
  return bytes;
}

/** P2WPKH address of a compressed secp256k1 public key. */
export function p2wpkhAddress(publicKeyHex: string, net: Network): string {
  return btcAddress.toBech32(hash160(parseCompressedPublicKey(publicKeyHex)), 0, net.bech32);
}

/**
 * Output script for an address on `net`; throws for anything invalid, on another network, or unsupported.
 * Written out instead of bitcoinjs' toOutputScript, which needs an ECC library for P2TR and only warns
 * for future segwit versions.
 */
export function outputScriptFor(addr: string, net: Network): Uint8Array {
  if (typeof addr !== 'string' || addr.length < 14 || addr.length > 90)
    throw new Error('address has an invalid length');
  let base58: { version: number; hash: Uint8Array } | undefined;
  try {
    base58 = btcAddress.fromBase58Check(addr);
  } catch {}
  if (base58) {
    if (base58.version === net.pubKeyHash) {
      return bscript.compile([
        opcodes.OP_DUP as number,
        opcodes.OP_HASH160 as number,
        base58.hash,
        opcodes.OP_EQUALVERIFY as number,
        opcodes.OP_CHECKSIG as number,
      ]);
    }
    if (base58.version === net.scriptHash) {
      return bscript.compile([opcodes.OP_HASH160 as number, base58.hash, opcodes.OP_EQUAL as number]);
    }
    throw new Error('address belongs to another network');
  }
  let seg: { version: number; prefix: string; data: Uint8Array };
  try {
    seg = btcAddress.fromBech32(addr);
  } catch {
    throw new Error('address is neither base58check nor bech32');
  }
  if (seg.prefix !== net.bech32) throw new Error('address belongs to another network');
  if (seg.version === 0 && (seg.data.length === 20 || seg.data.length === 32)) {
    return bscript.compile([opcodes.OP_0 as number, seg.data]);
  }
  if (seg.version === 1 && seg.data.length === 32) {
    schnorr.utils.lift_x(BigInt(`0x${bytesToHex(seg.data)}`)); // throws unless a valid x-only key
    return bscript.compile([opcodes.OP_1 as number, seg.data]);
  }
  throw new Error('unsupported witness version or program length');
}

export function isValidAddress(addr: string, net: Network): boolean {
  try {
    outputScriptFor(addr, net);
    return true;
  } catch {
    return false;
  }
}

/** Serialized size in bytes of an output paying to `script` (value 8 + length varint + script). */
export function outputSize(script: Uint8Array): number {
  return 8 + (script.length < 0xfd ? 1 : 3) + script.length;
}

/**
 * Bitcoin Core's dust threshold at the default dust relay fee (3 sat/vB): the cost of creating and
 * later spending the output. P2WPKH 294, P2TR/P2WSH 330, P2SH 540, P2PKH 546.
 */
export function dustThreshold(script: Uint8Array): bigint {
  const isWitness =
    script.length >= 4 && script.length <= 42 && (script[0] === 0 || (script[0]! >= 0x51 && script[0]! <= 0x60));
  const spendSize = isWitness ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return BigInt((outputSize(script) + spendSize) * 3);
}
