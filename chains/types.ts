/**
 * The one transaction interface every chain family implements (cf. OpenZeppelin Relayer's
 * transaction trait, Ledger Live's craft → combine → broadcast).
 *
 * Everything that crosses this interface is plain JSON (strings for big numbers, hex for bytes),
 * because it travels through Temporal activity results and is stored in workflow history.
 * Adapters hold no keys and no state: RPC endpoints come from the network config.
 */
import type { BaseError } from '../errors/base.js';

export type ChainFamily = 'evm' | 'bitcoin' | 'solana' | 'stellar' | 'tron';
export type Curve = 'secp256k1' | 'ed25519';

export interface TokenConfig {
  /** Contract address (EVM, Tron), mint (Solana), or `CODE:ISSUER` (Stellar). */
  address: string;
  decimals: number;
  symbol: string;
}

/** A network as data (cf. OpenZeppelin Relayer's config/networks/*.json). */
export interface NetworkConfig {
  /** Canonical name, e.g. `anvil`, `ethereum`, `bitcoin-regtest`. */
  name: string;
  /** Other names accepted in requests (Portal's names: `bitcoin-segwit`, `bitcoin-p2wpkh`, …). */
  aliases?: string[];
  /** CAIP-2 chain id, e.g. `eip155:31337`. */
  caip2: string;
  family: ChainFamily;
  /**
   * The first RPC endpoint (kept for code that needs one URL, and as a one-element list when `rpcUrls` is absent).
   * Env `RPC_URL_<NAME>` (upper-case, `-` → `_`) replaces the list with this one URL.
   */
  rpcUrl: string;
  /**
   * Every RPC endpoint of the network, in order of preference (chains/shared/endpoints.ts): reads rotate on
   * failure, broadcasts go to all healthy ones. Env `RPC_URLS_<NAME>` (comma list) overrides it. A config whose
   * `rpcUrl` is not in this list (an override written over a loaded config) means `rpcUrl` alone.
   */
  rpcUrls?: string[];
  /**
   * A status answer is trusted only from a node whose head is at most this many blocks (ledgers, slots' block
   * heights) behind the best head seen among the endpoints. Defaults per family (chains/shared/network-pool.ts).
   */
  maxHeadLagBlocks?: number;
  /** Circuit breaker per endpoint: consecutive failures that open it, and the cool-down before a trial. */
  rpcBreaker?: { failureThreshold?: number; cooldownMs?: number };
  /** Bitcoin: Esplora HTTP API base URL (e.g. `https://blockstream.info/api`); env `ESPLORA_URL_<NAME>` overrides it. */
  esploraUrl?: string;
  /** Bitcoin: more Esplora servers of the same network (env `ESPLORA_URLS_<NAME>`, a comma list, replaces both). */
  esploraUrls?: string[];
  /** Confirmations after inclusion before a transfer is `finalized` (where the chain has no finality tag). */
  requiredConfirmations: number;
  /** `confirmations`: N blocks deep; `tag`: the chain's own finality signal (EVM `finalized` block, Solana `finalized`, Tron solidified). */
  finality: 'confirmations' | 'tag';
  blockTimeMs: number;
  /** How often the workflow polls status (defaults to blockTimeMs). */
  pollIntervalMs?: number;
  /**
   * How long a broadcast transaction may stay unincluded before its fees are bumped (same nonce), where the chain can
   * replace; default max(5 block times, 15 s). Env `STUCK_AFTER_MS_<NAME>`.
   */
  stuckAfterMs?: number;
  /**
   * How often the workflow sends a live, unseen attempt's same bytes again (default 10 polls). Solana: ≈ 2 s, with
   * `maxRetries: 0`, so a dropped transaction is re-forwarded while its blockhash lives.
   */
  resendIntervalMs?: number;
  /**
   * Where the chain orders transactions by nonce / sequence: how far past the chain's next one a caller-forced
   * `nonce` may be (default 16; further would park the wallet behind a gap). Env `NONCE_WINDOW_<NAME>`.
   */
  maxNonceAhead?: number;
  nativeSymbol: string;
  nativeDecimals: number;
  tokens: Record<string, TokenConfig>;
  /** A local development chain: the faucet works, test-only features are allowed. */
  dev?: boolean;
  testnet?: boolean;
  /** Family-specific settings (bitcoin network params, stellar passphrase, …). */
  params?: Record<string, unknown>;
  /** Fee ceilings (operator policy, chains/fee-caps.ts); env `FEE_CAP_<NAME>_<FIELD>` overrides each. */
  feeCaps?: FeeCaps;
}

/**
 * Per-network fee ceilings, as decimal strings in the chain's fee unit. Preflight never signs above them: it
 * clamps where the chain leaves headroom and refuses with `fee_cap_exceeded` where the fee needed is above.
 */
export interface FeeCaps {
  /** EVM: ceiling of maxFeePerGas, wei. */
  maxFeePerGasWei?: string;
  /** EVM: ceiling of maxPriorityFeePerGas, wei. */
  maxPriorityFeePerGasWei?: string;
  /** Bitcoin: ceiling of the fee rate, sat/vB (up to 3 decimals). */
  maxFeeRateSatVb?: string;
  /** Solana: ceiling of the compute-unit price, micro-lamports. */
  maxPriorityMicroLamports?: string;
  /** Tron: the fee_limit signed into contract calls, and the ceiling of a transfer's estimated fee, sun. */
  feeLimitSun?: string;
  /** Stellar: ceiling of the fee bid per operation, stroops. */
  maxFeePerOpStroops?: string;
}

export type ResolvedToken =
  | { kind: 'native'; symbol: string; decimals: number }
  | { kind: 'token'; address: string; decimals: number; symbol?: string };

/** What the caller asked for, resolved and validated (amount already in base units). */
export interface TransferIntent {
  transferId: string;
  chain: string;
  from: { address: string; publicKey: string /* hex, compressed for secp256k1 */ };
  to: string;
  token: ResolvedToken;
  /** Base units as a decimal string. */
  rawAmount: string;
  /** Caller-forced nonce / sequence (Portal's `nonce`), decimal string. */
  nonce?: string;
  memo?: string;
  /** How `memo` is written on chain where the chain has memo types (Stellar): `text` (default) or `id` (uint64). */
  memoType?: 'text' | 'id';
  /**
   * The caller's ceiling on this transfer's total network fee, native base units (decimal string). Preflight
   * refuses with `fee_cap_exceeded` when the estimated fee is above it; fee bumps stop at it.
   */
  maxFee?: string;
  /**
   * A transaction the caller built instead of a plain transfer (Portal's `eth_sendTransaction` with calldata,
   * `sol_signAndSendTransaction`). The adapter signs exactly what it describes; `to`, `token` (native) and
   * `rawAmount` then describe its target and the native value it moves, for records and balance checks.
   */
  request?: TransactionRequest;
}

/** An EVM call: calldata to `intent.to` with `intent.rawAmount` wei attached. Nonce and fees stay ours unless given. */
export interface EvmCallRequest {
  kind: 'evm_call';
  /** 0x-prefixed calldata. */
  data: string;
  /** Caller's gas limit (decimal string); estimated (+20 %) when absent. */
  gas?: string;
  /** Caller's EIP-1559 fee caps (wei, decimal strings); both or neither. */
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
}

/**
 * A Solana transaction the caller serialized (its own instructions and recent blockhash). The wallet signs the
 * message as it is; signatures of other required signers must already be in it. It cannot be rebuilt: once its
 * blockhash expires it fails.
 */
export interface SolanaTransactionRequest {
  kind: 'solana_transaction';
  /** Base64 of the serialized (legacy or v0) transaction, including any signatures already present. */
  transaction: string;
}

export type TransactionRequest = EvmCallRequest | SolanaTransactionRequest;
export type TransactionRequestKind = TransactionRequest['kind'];

export interface PreflightIssue {
  id: string;
  message: string;
}

/**
 * Result of validating an intent against chain state. User errors come back in `errors`
 * (never thrown); RPC failures throw (classified by `classify`).
 */
export interface PreflightResult {
  errors: PreflightIssue[];
  warnings: PreflightIssue[];
  /** Estimated network fee in native base units. */
  fee: string;
  /** Native base units leaving the wallet (amount if native + fee). */
  totalSpent: string;
  /** Chain-specific facts the build step needs (fee caps, gas limit, blockhash, ref block, …). JSON only. */
  context: Record<string, unknown>;
}

export interface Utxo {
  txid: string;
  vout: number;
  /** Satoshis as decimal string. */
  value: string;
  scriptPubKey: string;
  confirmations: number;
}

/** What the sequencer handed out for this transfer. */
export interface Reservation {
  /** EVM nonce, Stellar sequence number (decimal string). */
  nonce?: string;
  /** Bitcoin inputs reserved for this transfer. */
  utxos?: Utxo[];
  /** Bitcoin: the transfer attempt the inputs are reserved for; build signs exactly the stored rows of it. */
  attempt?: number;
}

export interface SigningPayload {
  curve: Curve;
  /**
   * secp256k1: the 32-byte digest to sign (hex, no 0x).
   * ed25519: the full message bytes to sign (hex, no 0x).
   */
  payload: string;
}

export interface UnsignedTx {
  chain: string;
  /** Serialized unsigned transaction in the family's own format (hex or base64). */
  unsigned: string;
  payloads: SigningPayload[];
  /** Facts for status checks and records: nonce, inputs, blockhash, lastValidBlockHeight, expiration. */
  details: Record<string, unknown>;
}

export interface Signature {
  curve: Curve;
  /** secp256k1: r||s (64 bytes, low-s) hex; ed25519: 64-byte signature hex. */
  signature: string;
  /** secp256k1 recovery id (0/1). */
  recovery?: number;
}

export interface SignedTx {
  /** Raw bytes as the chain's broadcast call takes them (hex for EVM/Bitcoin, base64 for Solana/Stellar, JSON for Tron). */
  raw: string;
  /** Transaction hash / signature id, known before broadcast. */
  hash: string;
}

export interface BroadcastResult {
  hash: string;
  /** The node already had it (resend, or a retried activity). */
  alreadyKnown: boolean;
}

export interface StatusContext {
  /** `UnsignedTx.details`, so expiry (blockhash height, Tron expiration) can be judged. */
  details: Record<string, unknown>;
  /** Milliseconds since epoch when it was first broadcast. */
  submittedAt?: number;
}

export type ChainStatus =
  | { state: 'not_found' }
  | { state: 'pending' }
  | {
      state: 'included';
      blockNumber: string;
      blockHash: string;
      confirmations: number;
      /** The chain's finality rule holds (N confirmations or finality tag). */
      final: boolean;
    }
  | {
      state: 'failed';
      reason: string;
      blockNumber?: string;
      blockHash?: string;
      confirmations?: number;
      final: boolean;
    }
  /** Can never be included any more (blockhash / ref-block expiry passed and not found). */
  | { state: 'expired'; reason: string };

export type Sequencing = 'nonce' | 'utxo' | 'none';

/**
 * A same-authority replacement of a transfer's latest attempt: `speed_up` re-signs the same transaction with bumped
 * fees, `cancel` signs a zero-value send to self. Both reuse the nonce, so at most one of the attempts can land.
 */
export interface ReplacementRequest {
  kind: 'speed_up' | 'cancel';
  /** A new ceiling on the total network fee (base units), replacing the transfer's `maxFee` for this bump. */
  maxFee?: string;
  /**
   * The workflow's own bump of a stuck transaction (not a caller's request): refused with `replacement_waiting`
   * while an earlier transaction of the sender is not mined, since a higher fee cannot get it in before that one.
   */
  automatic?: boolean;
}

export interface ChainAdapter {
  readonly network: NetworkConfig;
  readonly curve: Curve;
  /** How transfers from one address are ordered: nonce/sequence, UTXO reservation, or nothing (Solana, Tron). */
  readonly sequencing: Sequencing;
  /** Caller-built transaction kinds this adapter can send (`TransferIntent.request`); none when absent. */
  readonly requestKinds?: readonly TransactionRequestKind[];

  validateAddress(address: string): boolean;
  addressFromPublicKey(publicKeyHex: string): string;
  /**
   * `NATIVE`, a configured symbol (`USDC`), or a contract/mint address. Throws `token_unsupported`.
   * May be async where an unknown contract's decimals must be read from the chain.
   */
  resolveToken(token: string): ResolvedToken | Promise<ResolvedToken>;

  preflight(intent: TransferIntent): Promise<PreflightResult>;

  /** nonce sequencing: the next nonce/sequence the chain will accept from `address` (pending included). */
  getChainNonce?(address: string): Promise<string>;
  /** utxo sequencing: spendable outputs of `address`. */
  listUtxos?(address: string): Promise<Utxo[]>;
  /** utxo sequencing: pick inputs from `available` (already filtered of reserved ones). Throws insufficient_funds. */
  selectUtxos?(intent: TransferIntent, preflight: PreflightResult, available: Utxo[]): Utxo[];

  /** Pure given its inputs, so a retried step signs the same thing. */
  build(intent: TransferIntent, preflight: PreflightResult, reservation: Reservation): Promise<UnsignedTx>;
  assemble(unsigned: UnsignedTx, signatures: Signature[]): SignedTx;
  /** Idempotent: "already known" / same hash is success (`alreadyKnown: true`). Throws classified errors. */
  broadcast(signed: SignedTx): Promise<BroadcastResult>;
  /** One check, no loop. */
  getStatus(hash: string, context: StatusContext): Promise<ChainStatus>;
  /** Every error this adapter can throw or receive becomes a BaseError with a stable id and kind. */
  classify(error: unknown): BaseError;

  /**
   * A replacement of the attempt described by `previous` (its `UnsignedTx.details`) with the same spend authority
   * and fees bumped as nodes require, within the caps. Absent where the chain cannot replace (Solana, TRON, Stellar).
   */
  buildReplacement?(
    intent: TransferIntent,
    previous: Record<string, unknown>,
    request: ReplacementRequest,
  ): Promise<UnsignedTx>;

  /** Dev chains only: fund an address (anvil_setBalance, regtest mining, test-peer airdrop). */
  faucet?(address: string, rawAmount: string, token?: ResolvedToken): Promise<{ hash?: string }>;
}
