/**
 * Just enough protobuf to serialize a Tron `Transaction.raw` for the two contracts we send
 * (TransferContract, TriggerSmartContract). Written by hand instead of tronweb's builders so that
 * int64 fields are bigint-safe and building needs no TronWeb instance. The txID is sha256 of these bytes.
 * Field numbers: java-tron protocol/src/main/protos/core/Tron.proto and contract/*.proto.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type TronContractType = 'TransferContract' | 'TriggerSmartContract';

const CONTRACT_TYPE_ID: Record<TronContractType, number> = { TransferContract: 1, TriggerSmartContract: 31 };

export interface TransferContractValue {
  owner_address: string;
  to_address: string;
  amount: number;
}

export interface TriggerSmartContractValue {
  owner_address: string;
  contract_address: string;
  data: string;
  call_value?: number;
}

/** `raw_data` exactly as the node's JSON API shows it with `visible: false` (hex `41...` addresses). */
export interface TronRawData {
  contract: Array<
    | { parameter: { value: TransferContractValue; type_url: string }; type: 'TransferContract' }
    | { parameter: { value: TriggerSmartContractValue; type_url: string }; type: 'TriggerSmartContract' }
  >;
  ref_block_bytes: string;
  ref_block_hash: string;
  expiration: number;
  timestamp: number;
  fee_limit?: number;
  /** Memo, hex of UTF-8 bytes. */
  data?: string;
}

class Writer {
  private readonly parts: Uint8Array[] = [];

  varint(value: bigint | number): this {
    let v = BigInt(value);
    if (v < 0n) throw new Error('negative varints are not used in Tron transfers');
    const out: number[] = [];
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
    this.parts.push(Uint8Array.from(out));
    return this;
  }

  /** proto3: zero values are not written. */
  uint(field: number, value: bigint | number | undefined): this {
    if (value === undefined || BigInt(value) === 0n) return this;
    return this.varint((field << 3) | 0).varint(value);
  }

  bytes(field: number, value: Uint8Array | undefined): this {
    if (!value || value.length === 0) return this;
    this.varint((field << 3) | 2).varint(value.length);
    this.parts.push(value);
    return this;
  }

  finish(): Uint8Array {
    const len = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(len);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

const hex = (h: string | undefined): Uint8Array | undefined => (h ? hexToBytes(h.replace(/^0x/i, '')) : undefined);

function encodeContractValue(contract: TronRawData['contract'][number]): Uint8Array {
  if (contract.type === 'TransferContract') {
    const v = contract.parameter.value;
    return new Writer().bytes(1, hex(v.owner_address)).bytes(2, hex(v.to_address)).uint(3, v.amount).finish();
  }
  const v = contract.parameter.value;
  return new Writer()
    .bytes(1, hex(v.owner_address))
    .bytes(2, hex(v.contract_address))
    .uint(3, v.call_value)
    .bytes(4, hex(v.data))
    .finish();
}

function encodeContract(contract: TronRawData['contract'][number]): Uint8Array {
  const typeId = CONTRACT_TYPE_ID[contract.type];
  if (typeId === undefined) throw new Error(`unsupported Tron contract type ${String(contract.type)}`);
  const any = new Writer()
    .bytes(1, utf8ToBytes(contract.parameter.type_url))
    .bytes(2, encodeContractValue(contract))
    .finish();
  return new Writer().uint(1, typeId).bytes(2, any).finish();
}

/** Serializes `raw_data` in field-number order, as protobuf does. */
export function encodeRawData(raw: TronRawData): Uint8Array {
  const w = new Writer().bytes(1, hex(raw.ref_block_bytes)).bytes(4, hex(raw.ref_block_hash)).uint(8, raw.expiration);
  w.bytes(10, hex(raw.data));
  for (const c of raw.contract) w.bytes(11, encodeContract(c));
  return w.uint(14, raw.timestamp).uint(18, raw.fee_limit).finish();
}

export function rawDataHex(raw: TronRawData): string {
  return bytesToHex(encodeRawData(raw));
}

/** txID = sha256(raw_data bytes), hex. */
export function txIdOf(rawDataHexValue: string): string {
  return bytesToHex(sha256(hexToBytes(rawDataHexValue)));
}

/** Bytes the node bills as bandwidth: serialized Transaction (raw + one 65-byte signature) + 64 (MAX_RESULT_SIZE_IN_TX). */
export function bandwidthBytes(rawLength: number): number {
  const lenPrefix = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : 3);
  return 1 + lenPrefix(rawLength) + rawLength + 1 + lenPrefix(65) + 65 + 64;
}
