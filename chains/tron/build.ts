/**
 * Builds Tron transfers locally and deterministically: the ref block and expiration come from preflight's
 * context, the raw_data is serialized here (protobuf.ts) and txID = sha256(raw_data_hex) is computed here,
 * never taken from a node. Signing payload = txID (32-byte digest, secp256k1).
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import type { PreflightResult, TransferIntent, UnsignedTx } from '../types.js';
import { tronAddressToHex } from './address.js';
import { rawDataHex, type TronRawData, txIdOf } from './protobuf.js';
import { transferCallData } from './trc20.js';

/** What preflight hands to build (PreflightResult.context). */
export interface TronBuildContext {
  kind: 'native' | 'trc20';
  /** Reference (TaPoS) block. */
  refBlockNumber: number;
  refBlockId: string;
  refBlockTimestamp: number;
  /** ms since epoch; the node rejects the tx once its head block time reaches this. */
  expiration: number;
  /** TRC-20 only: max TRX (sun) the call may burn for energy. */
  feeLimit?: number;
}

/** The JSON the node's broadcast endpoint takes (unsigned: no `signature`). */
export interface TronTxJson {
  visible: false;
  txID: string;
  raw_data: TronRawData;
  raw_data_hex: string;
  signature?: string[];
}

export function refBlockBytes(blockNumber: number): string {
  return (blockNumber & 0xffff).toString(16).padStart(4, '0');
}

/** Bytes 8..16 of the block id (the part after the 8-byte block number). */
export function refBlockHash(blockId: string): string {
  return blockId.slice(16, 32);
}

export function readBuildContext(preflight: PreflightResult): TronBuildContext {
  const c = preflight.context as Partial<TronBuildContext>;
  if (
    (c.kind !== 'native' && c.kind !== 'trc20') ||
    typeof c.refBlockNumber !== 'number' ||
    typeof c.refBlockId !== 'string' ||
    !/^[0-9a-f]{64}$/i.test(c.refBlockId) ||
    typeof c.refBlockTimestamp !== 'number' ||
    typeof c.expiration !== 'number'
  ) {
    throw new BaseError('preflight context is missing the Tron reference block', {
      id: ErrorId.BadRequest,
      kind: 'terminal',
    });
  }
  return c as TronBuildContext;
}

export function makeRawData(intent: TransferIntent, ctx: TronBuildContext): TronRawData {
  const owner = tronAddressToHex(intent.from.address);
  const to = tronAddressToHex(intent.to);
  const amount = BigInt(intent.rawAmount);
  const header = {
    ref_block_bytes: refBlockBytes(ctx.refBlockNumber),
    ref_block_hash: refBlockHash(ctx.refBlockId).toLowerCase(),
    expiration: ctx.expiration,
    timestamp: ctx.refBlockTimestamp,
    ...(intent.memo ? { data: bytesToHex(utf8ToBytes(intent.memo)) } : {}),
  };
  if (intent.token.kind === 'native') {
    if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new BaseError('amount is too large for a single TRX transfer', { id: ErrorId.BadAmount, kind: 'terminal' });
    }
    return {
      contract: [
        {
          parameter: {
            value: { owner_address: owner, to_address: to, amount: Number(amount) },
            type_url: 'type.googleapis.com/protocol.TransferContract',
          },
          type: 'TransferContract',
        },
      ],
      ...header,
    };
  }
  return {
    contract: [
      {
        parameter: {
          value: {
            data: transferCallData(intent.to, amount),
            owner_address: owner,
            contract_address: tronAddressToHex(intent.token.address),
          },
          type_url: 'type.googleapis.com/protocol.TriggerSmartContract',
        },
        type: 'TriggerSmartContract',
      },
    ],
    ...header,
    fee_limit: ctx.feeLimit,
  };
}

export function buildTronTransfer(intent: TransferIntent, preflight: PreflightResult): UnsignedTx {
  const ctx = readBuildContext(preflight);
  const raw_data = makeRawData(intent, ctx);
  const raw_data_hex = rawDataHex(raw_data);
  const txID = txIdOf(raw_data_hex);
  const tx: TronTxJson = { visible: false, txID, raw_data, raw_data_hex };
  return {
    chain: intent.chain,
    unsigned: JSON.stringify(tx),
    payloads: [{ curve: 'secp256k1', payload: txID }],
    details: {
      txID,
      owner: intent.from.address,
      kind: ctx.kind,
      expiration: ctx.expiration,
      refBlockNumber: ctx.refBlockNumber,
      refBlockId: ctx.refBlockId,
      ...(ctx.feeLimit !== undefined ? { feeLimit: ctx.feeLimit } : {}),
    },
  };
}
