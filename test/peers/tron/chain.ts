/**
 * TRON TEST PEER — blocks, pending pool and the broadcast checks a java-tron node makes, in its order:
 * duplicate (DUP_TRANSACTION_ERROR), signature recovers to the owner (SIGERROR), TaPoS reference block
 * (TAPOS_ERROR), expiration (TRANSACTION_EXPIRATION_ERROR), then bandwidth and contract validation
 * (BANDWITH_ERROR / CONTRACT_VALIDATE_ERROR). The node interprets the JSON `raw_data` (not `raw_data_hex`),
 * serialized here with tronweb's own protobuf code, and txID = sha256(raw bytes).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { TronWeb, utils as tronUtils } from 'tronweb';
import { type ChainParams, type Contract, type HexAddress, Ledger, type Receipt, ValidationError } from './ledger.js';

export interface Block {
  number: number;
  id: string;
  timestamp: number;
  parentHash: string;
  txIds: string[];
}

/** A transaction as the node's JSON API shows it. */
export interface TxJson {
  visible?: boolean;
  txID?: string;
  raw_data: {
    contract: Array<{
      type: string;
      parameter: { type_url?: string; value: Record<string, unknown> };
      Permission_id?: number;
    }>;
    ref_block_bytes: string;
    ref_block_hash: string;
    expiration: number;
    timestamp?: number;
    fee_limit?: number;
    data?: string;
  };
  raw_data_hex?: string;
  signature?: string[];
}

interface PoolTx {
  txID: string;
  tx: TxJson;
  contract: Contract;
  bytes: number;
  hasMemo: boolean;
}

export interface MinedTx {
  txID: string;
  tx: TxJson;
  blockNumber: number;
  blockTimestamp: number;
  receipt: Receipt;
}

export type BroadcastOutcome =
  | { result: true; txid: string }
  | { result?: false; code: string; message: string; txid?: string };

/** Upper bound java-tron puts on expiration - head time. */
const MAX_TIME_UNTIL_EXPIRATION = 24 * 60 * 60 * 1000;

/** Any input address form → lower-case `41...` hex. Throws on garbage. */
export function toHexAddress(address: unknown): HexAddress {
  if (typeof address !== 'string') throw new Error('address must be a string');
  if (/^(0x)?41[0-9a-fA-F]{40}$/.test(address)) return address.replace(/^0x/, '').toLowerCase();
  if (TronWeb.isAddress(address) && address.startsWith('T'))
    return (TronWeb.address.toHex(address) as string).toLowerCase();
  throw new Error(`invalid address ${JSON.stringify(address)}`);
}

export function fromHexAddress(hex: HexAddress): string {
  return TronWeb.address.fromHex(hex) as string;
}

/** Serialized raw_data as java-tron would parse the JSON; throws on malformed or unsupported contracts. */
export function rawBytesOf(tx: TxJson): Uint8Array {
  const pb = tronUtils.transaction.txJsonToPb(tx);
  return pb.getRawData().serializeBinary() as Uint8Array;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Bandwidth bytes java-tron bills: serialized Transaction size + MAX_RESULT_SIZE_IN_TX (64). */
export function billedBytes(rawLength: number, signatures: string[]): number {
  let size = 1 + varintLength(rawLength) + rawLength;
  for (const s of signatures) {
    const len = s.replace(/^0x/, '').length / 2;
    size += 1 + varintLength(len) + len;
  }
  return size + 64;
}

/** Tron signature (r||s||v, v = 27/28 or 0/1) over txID → `41...` signer address. */
export function recoverTronSigner(txID: string, signatureHex: string): HexAddress {
  const sig = hexToBytes(signatureHex.replace(/^0x/, ''));
  if (sig.length !== 65) throw new Error('signature must be 65 bytes');
  const v = sig[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new Error(`bad recovery byte ${v}`);
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(sig.slice(0, 64), 1);
  const pub = secp256k1.recoverPublicKey(recovered, hexToBytes(txID), { prehash: false });
  const uncompressed = secp256k1.Point.fromBytes(pub).toBytes(false);
  return `41${bytesToHex(keccak_256(uncompressed.slice(1)).slice(12))}`;
}

function parseContract(tx: TxJson): Contract {
  const c = tx.raw_data.contract;
  if (!Array.isArray(c) || c.length !== 1 || !c[0]) throw new Error('exactly one contract expected');
  const v = c[0].parameter.value;
  if (c[0].type === 'TransferContract') {
    return {
      type: 'TransferContract',
      owner: toHexAddress(v.owner_address),
      to: toHexAddress(v.to_address),
      amount: BigInt(Number(v.amount ?? 0)),
    };
  }
  if (c[0].type === 'TriggerSmartContract') {
    return {
      type: 'TriggerSmartContract',
      owner: toHexAddress(v.owner_address),
      contract: toHexAddress(v.contract_address),
      data: String(v.data ?? ''),
      callValue: BigInt(Number(v.call_value ?? 0)),
      feeLimit: BigInt(tx.raw_data.fee_limit ?? 0),
    };
  }
  throw new Error(`contract type ${c[0].type} is not supported by the Tron test peer`);
}

const hexMessage = (s: string) => Buffer.from(s, 'utf8').toString('hex');

export class TronTestChain {
  readonly blocks: Block[] = [];
  private confirmed: Ledger;
  private pendingView: Ledger | null = null;
  private pool: PoolTx[] = [];
  /** Confirmed state after each recent block, so the solidity API can show the solidified state. */
  private readonly snapshots = new Map<number, Ledger>();
  private readonly mined = new Map<string, MinedTx>();

  constructor(
    readonly params: ChainParams,
    readonly solidifyDepth: number,
    now = Date.now(),
  ) {
    this.confirmed = new Ledger(params);
    this.pushBlock(now, []);
  }

  head(): Block {
    return this.blocks[this.blocks.length - 1]!;
  }

  solidHead(): Block {
    return this.blocks[Math.max(0, this.blocks.length - 1 - this.solidifyDepth)]!;
  }

  isSolid(blockNumber: number): boolean {
    return blockNumber <= this.solidHead().number;
  }

  /** State including the pending pool, as java-tron's API shows accounts. */
  state(): Ledger {
    if (!this.pendingView) {
      const view = this.confirmed.clone();
      for (const p of this.pool) {
        try {
          view.execute(p.contract, p.bytes, this.head().timestamp, p.hasMemo);
        } catch {
          // a pool tx that no longer validates is dropped at the next block
        }
      }
      this.pendingView = view;
    }
    return this.pendingView;
  }

  /** State as of the solidified head (`/walletsolidity/getaccount`). */
  solidState(): Ledger {
    return this.snapshots.get(this.solidHead().number) ?? this.confirmed;
  }

  /** Test-only: writes directly into confirmed state and the recent snapshots (faucet, TRC-20 deploy/mint). */
  mutateConfirmed(fn: (ledger: Ledger) => void): void {
    fn(this.confirmed);
    for (const snap of this.snapshots.values()) fn(snap);
    this.pendingView = null;
  }

  private pushBlock(timestamp: number, txIds: string[]): Block {
    const number = this.blocks.length;
    const parentHash = this.blocks[number - 1]?.id ?? '0'.repeat(64);
    const digest = bytesToHex(
      sha256(new TextEncoder().encode(JSON.stringify({ number, parentHash, timestamp, txIds }))),
    );
    // java-tron block id: 8-byte block number followed by the last 24 bytes of the header hash.
    const id = number.toString(16).padStart(16, '0') + digest.slice(16);
    const block = { number, id, timestamp, parentHash, txIds };
    this.blocks.push(block);
    this.snapshots.set(number, this.confirmed.clone());
    this.snapshots.delete(number - this.solidifyDepth - 1);
    return block;
  }

  /** Packs the pool into a new block; expired or no-longer-valid transactions are dropped, like a producer does. */
  produceBlock(now = Date.now()): Block {
    const timestamp = Math.max(now, this.head().timestamp + 1);
    const included: MinedTx[] = [];
    for (const p of this.pool) {
      if (p.tx.raw_data.expiration <= timestamp) continue;
      try {
        const receipt = this.confirmed.execute(p.contract, p.bytes, timestamp, p.hasMemo);
        included.push({ txID: p.txID, tx: p.tx, blockNumber: this.blocks.length, blockTimestamp: timestamp, receipt });
      } catch {
        // dropped
      }
    }
    this.pool = [];
    this.pendingView = null;
    const block = this.pushBlock(
      timestamp,
      included.map((m) => m.txID),
    );
    for (const m of included) this.mined.set(m.txID, m);
    return block;
  }

  findBlock(idOrNum: string | number): Block | undefined {
    if (typeof idOrNum === 'number' || /^\d+$/.test(idOrNum)) return this.blocks[Number(idOrNum)];
    return this.blocks.find((b) => b.id === String(idOrNum).toLowerCase());
  }

  minedTx(txID: string): MinedTx | undefined {
    return this.mined.get(txID.toLowerCase());
  }

  pendingTx(txID: string): TxJson | undefined {
    return this.pool.find((p) => p.txID === txID.toLowerCase())?.tx;
  }

  /** Wallet/BroadcastTransaction. */
  broadcast(tx: TxJson): BroadcastOutcome {
    let raw: Uint8Array;
    let contract: Contract;
    try {
      if (!tx?.raw_data?.contract) throw new Error('raw_data.contract missing');
      raw = rawBytesOf(tx);
      contract = parseContract(tx);
    } catch (err) {
      return { code: 'OTHER_ERROR', message: hexMessage(`invalid transaction: ${(err as Error).message}`) };
    }
    const txID = bytesToHex(sha256(raw));
    const reject = (code: string, message: string): BroadcastOutcome => ({
      code,
      message: hexMessage(message),
      txid: txID,
    });

    if (this.mined.has(txID) || this.pool.some((p) => p.txID === txID))
      return reject('DUP_TRANSACTION_ERROR', 'Dup transaction.');

    const sigs = Array.isArray(tx.signature) ? tx.signature : [];
    if (sigs.length !== 1) return reject('SIGERROR', 'Validate signature error: miss sig or contract');
    let signer: HexAddress;
    try {
      signer = recoverTronSigner(txID, sigs[0]!);
    } catch (err) {
      return reject('SIGERROR', `Validate signature error: ${(err as Error).message}`);
    }
    if (signer !== contract.owner) {
      return reject(
        'SIGERROR',
        `Validate signature error: ${sigs[0]} is signed by ${fromHexAddress(signer)} but it is not contained of permission.`,
      );
    }

    const refBytes = String(tx.raw_data.ref_block_bytes ?? '').toLowerCase();
    const refHash = String(tx.raw_data.ref_block_hash ?? '').toLowerCase();
    const refNum = Number.parseInt(refBytes, 16);
    const candidates = this.blocks.filter(
      (b) => (b.number & 0xffff) === refNum && b.number > this.head().number - 65536,
    );
    const ref = candidates[candidates.length - 1];
    if (!ref || refBytes.length !== 4) {
      return reject(
        'TAPOS_ERROR',
        `Tapos failed, block not found, ref block ${refBytes}, recent block ${this.head().number}`,
      );
    }
    if (ref.id.slice(16, 32) !== refHash) {
      return reject(
        'TAPOS_ERROR',
        `Tapos failed, different block hash, ${refBytes}, ${refHash}, recent block ${ref.id}`,
      );
    }

    const head = this.head();
    const expiration = Number(tx.raw_data.expiration);
    if (!(expiration > head.timestamp)) {
      return reject(
        'TRANSACTION_EXPIRATION_ERROR',
        `Transaction expiration, transaction expiration time is ${expiration}, but latest block time is ${head.timestamp}`,
      );
    }
    if (expiration > head.timestamp + MAX_TIME_UNTIL_EXPIRATION) {
      return reject('TRANSACTION_EXPIRATION_ERROR', `expiration time is too long: ${expiration}`);
    }

    const bytes = billedBytes(raw.length, sigs);
    const hasMemo = Boolean(tx.raw_data.data);
    try {
      // Validate against the pending state, as java-tron does (pending txs already applied).
      this.state().clone().execute(contract, bytes, head.timestamp, hasMemo);
    } catch (err) {
      if (err instanceof ValidationError) return reject(err.code, err.message);
      throw err;
    }
    this.pool.push({ txID, tx: { ...tx, txID, raw_data_hex: bytesToHex(raw) }, contract, bytes, hasMemo });
    this.pendingView = null;
    return { result: true, txid: txID };
  }
}
