/**
 * All I/O of a transfer, one function per workflow step. Built by a factory so dependencies
 * (database, chain registry, signer) are injected (cf. Temporal's activities-dependency-injection sample).
 */
import type { ChainRegistry } from '../chains/registry.js';
import type {
  ChainStatus,
  PreflightResult,
  ReplacementRequest,
  Reservation,
  Signature,
  SignedTx,
  UnsignedTx,
} from '../chains/types.js';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Signer } from '../signer/types.js';
import { DEFAULT_FORCED_NONCE_WINDOW, markNonceUsed, releaseNonce, reserveNonce } from '../storage/sequencer.js';
import {
  applyStatusPatch,
  markAttemptBroadcast,
  markAttemptDead,
  recordDeeperConfirmation,
  recordSignedAttempt,
  storeSignedAttempt,
} from '../storage/transfers.js';
import { hasInFlightUtxoTransfers, releaseUtxos } from '../storage/utxos.js';
import type { StatusPatch, TransferInput } from '../workflows/shared.js';
import { activityAttempt, boundary, terminal, toApplicationFailure, withFailureFacts } from './failure.js';
import { heartbeating } from './heartbeat.js';
import { assertSigningMatches, assertTransferMatches, ownsProjection } from './signing-check.js';
import type { BroadcastOutcome } from './types.js';
import { reservationToSign, reserveInputs, utxosInFlight } from './utxo-reservation.js';

export interface ActivityDeps {
  prisma: PrismaClient;
  chains: ChainRegistry;
  signer: Signer;
}

export function createActivities({ prisma, chains, signer }: ActivityDeps) {
  const adapterFor = (input: Pick<TransferInput, 'network'>) => chains.get(input.network);

  /** Balance, fee and validity checks against chain state. A user error fails the transfer with its id. */
  async function preflight(input: TransferInput): Promise<PreflightResult> {
    // A workflow started without (or against) a stored transfer stops here, before a nonce is reserved.
    await assertTransferMatches({ prisma, chains }, input);
    const adapter = adapterFor(input);
    try {
      if (input.intent.request?.kind === 'solana_transaction' && (await hasStoredAttempt(prisma, input.transferId)))
        // Its message (blockhash included) is the caller's: a second attempt could only sign the same dead bytes.
        throw terminal(
          ErrorId.TxExpired,
          'the network rejected this caller-built transaction as expired; it is never re-signed: build a new one with a recent blockhash',
        );
      const result = await adapter.preflight(input.intent);
      const first = result.errors[0];
      if (first?.id === ErrorId.InsufficientFunds && adapter.sequencing === 'utxo') {
        if (await hasInFlightUtxoTransfers(prisma, input.network, input.intent.from.address, input.transferId))
          throw utxosInFlight();
      }
      if (first) throw terminal(first.id, first.message);
      return result;
    } catch (err) {
      throw adapter.classify(err);
    }
  }

  /** Hands out this transfer's nonce / sequence number or inputs. Idempotent per transfer. */
  async function reserve(input: TransferInput, preflight: PreflightResult): Promise<Reservation> {
    const adapter = adapterFor(input);
    const address = input.intent.from.address;
    try {
      if (adapter.sequencing === 'nonce') {
        const chainNonce = BigInt(await adapter.getChainNonce!(address));
        const forced = input.intent.nonce !== undefined ? BigInt(input.intent.nonce) : undefined;
        const nonce = await reserveNonce(prisma, {
          network: input.network,
          address,
          transferId: input.transferId,
          chainNonce,
          forced,
          maxAhead:
            adapter.network.maxNonceAhead === undefined
              ? DEFAULT_FORCED_NONCE_WINDOW
              : BigInt(adapter.network.maxNonceAhead),
        });
        return { nonce: nonce.toString() };
      }
      if (adapter.sequencing === 'utxo') return await reserveInputs(prisma, adapter, input, preflight);
      return {};
    } catch (err) {
      throw adapter.classify(err);
    }
  }

  async function build(
    input: TransferInput,
    preflight: PreflightResult,
    reservation: Reservation,
  ): Promise<UnsignedTx> {
    const adapter = adapterFor(input);
    const reserved = adapter.sequencing === 'utxo' ? await reservationToSign(prisma, input, reservation) : reservation;
    return adapter.build(input.intent, preflight, reserved).catch((err) => {
      throw adapter.classify(err);
    });
  }

  /**
   * Signs every payload through the Signer (dev or MPC); each signature is verified before it is returned.
   * Every argument is checked against the stored transfer first (activities/signing-check.ts).
   */
  async function sign(input: TransferInput, unsigned: UnsignedTx, attempt: number): Promise<Signature[]> {
    await assertSigningMatches({ prisma, chains }, input, unsigned, attempt);
    const out: Signature[] = [];
    for (const p of unsigned.payloads) {
      out.push(
        await signer.sign({ walletId: input.walletId, curve: p.curve, payload: p.payload, shareRef: input.shareRef }),
      );
    }
    return out;
  }

  /**
   * Assembles the signed transaction and stores bytes + hash BEFORE any broadcast. `feeEstimate` (prepareAttempt)
   * is kept in the stored details, so a re-execution can return it.
   */
  async function storeSigned(
    input: TransferInput,
    attempt: number,
    unsigned: UnsignedTx,
    signatures: Signature[],
    reason?: string,
    feeEstimate?: string,
  ): Promise<SignedTx> {
    const signed = adapterFor(input).assemble(unsigned, signatures);
    const stored = await storeSignedAttempt(
      prisma,
      input.transferId,
      attempt,
      signed,
      feeEstimate === undefined ? unsigned.details : { ...unsigned.details, feeEstimate },
      reason ?? 'initial',
    );
    const nonce = typeof unsigned.details.nonce === 'string' ? unsigned.details.nonce : undefined;
    await recordSignedAttempt(prisma, input.transferId, attempt, stored.hash, nonce);
    return stored;
  }

  async function broadcast(input: TransferInput, attempt: number, signed: SignedTx, resend: boolean) {
    const adapter = adapterFor(input);
    try {
      const result = await adapter.broadcast(signed).catch((err) => {
        throw adapter.classify(err);
      });
      await markAttemptBroadcast(prisma, input.transferId, attempt);
      if (adapter.sequencing === 'nonce') await markNonceUsed(prisma, input.transferId);
      return { ...result, broadcastAt: Date.now() } satisfies BroadcastOutcome;
    } catch (err) {
      const possiblySent = resend || activityAttempt() > 1;
      throw withFailureFacts(toApplicationFailure(err), { possiblySent, sequenced: adapter.sequencing !== 'none' });
    }
  }

  async function recordTransition(transferId: string, patch: StatusPatch): Promise<void> {
    // A workflow that is not the transfer's own (refused at preflight) leaves the projection alone.
    if (!(await ownsProjection(prisma, transferId))) return;
    await applyStatusPatch(prisma, transferId, patch);
  }

  return {
    preflight: boundary(preflight),
    reserve: boundary(reserve),
    build: boundary(build),

    /** A same-nonce replacement (speed-up / cancel) of the attempt whose details are `previous`. */
    buildReplacement: boundary(
      async (input: TransferInput, previous: Record<string, unknown>, request: ReplacementRequest) => {
        const adapter = adapterFor(input);
        if (!adapter.buildReplacement)
          throw terminal(
            ErrorId.ReplacementUnsupported,
            `${input.network} cannot replace a signed transaction; it is re-signed only after its expiry is proven`,
          );
        return adapter.buildReplacement(input.intent, previous, request).catch((err) => {
          throw adapter.classify(err);
        });
      },
    ),

    sign: boundary(heartbeating(sign)),
    storeSigned: boundary(storeSigned),

    /**
     * preflight → reserve → build → sign → store in one activity (four workflow tasks less before acceptance).
     * A re-execution (retry, crash after the store) finds attempt `attempt` stored and returns it without signing
     * again; a crash before the store loses only a signature that never left this process, and the retry signs
     * with the same reservation, so at most one set of bytes per attempt is ever stored or sent.
     */
    prepareAttempt: boundary(
      heartbeating(async (input: TransferInput, attempt: number, reason: string): Promise<PreparedAttempt> => {
        // Only the transfer's own workflow gets its stored bytes back; anyone else goes on to the checks below.
        const stored = await storedAttempt(prisma, input.transferId, attempt);
        if (stored && (await ownsProjection(prisma, input.transferId))) {
          // The first run may have died between the store and the projection (kill drill: a finalized transfer
          // without its nonce): write it again, idempotently.
          const nonce = typeof stored.details.nonce === 'string' ? stored.details.nonce : undefined;
          await recordSignedAttempt(prisma, input.transferId, attempt, stored.signed.hash, nonce);
          return stored;
        }
        const checked = await preflight(input);
        const reservation = await reserve(input, checked);
        const unsigned = await build(input, checked, reservation);
        const signatures = await sign(input, unsigned, attempt);
        const signed = await storeSigned(input, attempt, unsigned, signatures, reason, checked.fee);
        return { signed, details: unsigned.details, fee: checked.fee };
      }),
    ),

    /**
     * Sends the stored bytes. Resending the same bytes is always safe; "already known" is success. A failure says
     * whether an earlier try may have reached a node (a retry of this activity, or a resend), because then the
     * node's error proves nothing about the bytes: only the chain can.
     */
    broadcast: heartbeating((input: TransferInput, attempt: number, signed: SignedTx, resend?: boolean) =>
      broadcast(input, attempt, signed, resend ?? false),
    ),

    /**
     * The first send of a prepared attempt and, once a node accepted it, the `submitted` projection in the same
     * activity (one workflow task less before the caller is answered). Same failure facts as `broadcast`.
     */
    broadcastAndRecord: heartbeating(
      async (input: TransferInput, attempt: number, signed: SignedTx, patch: StatusPatch) => {
        const result = await broadcast(input, attempt, signed, false);
        try {
          await recordTransition(input.transferId, patch);
        } catch (err) {
          // A node has the bytes: the retry sends them again (safe) and writes the projection again.
          const sequenced = adapterFor(input).sequencing !== 'none';
          throw withFailureFacts(toApplicationFailure(err), { possiblySent: true, sequenced });
        }
        return result;
      },
    ),

    /**
     * One status check (no loop: the workflow's durable timer is the loop). Only the network and transfer id are read
     * from the first argument: current workflows send `{ transferId, network }`, older ones the whole TransferInput.
     * A confirmed transaction seen deeper in the same block gets its count written here (workflow: confirmations-in-check).
     */
    checkStatus: boundary(
      async (
        input: Pick<TransferInput, 'transferId' | 'network'>,
        hash: string,
        details: Record<string, unknown>,
        submittedAt: number,
      ): Promise<ChainStatus> => {
        const adapter = adapterFor(input);
        const status = await adapter.getStatus(hash, { details, submittedAt }).catch((err) => {
          throw adapter.classify(err);
        });
        if (status.state === 'included' && !status.final && status.blockNumber !== undefined)
          await recordDeeperConfirmation(prisma, input.transferId, hash, status.blockNumber, status.confirmations ?? 0);
        return status;
      },
    ),

    recordTransition: boundary(recordTransition),

    /** The chain (or the node, on the only send) proved these bytes can never land: kept with the attempt. */
    markAttemptDead: boundary(async (transferId: string, attempt: number, evidence: string): Promise<void> => {
      await markAttemptDead(prisma, transferId, attempt, evidence);
    }),

    /** Gives back the nonce or inputs of a transfer that will not be broadcast (or must be rebuilt). */
    releaseReservation: boundary(async (input: TransferInput): Promise<void> => {
      await Promise.all([releaseNonce(prisma, input.transferId), releaseUtxos(prisma, input.transferId)]);
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** A signed, stored attempt, as `prepareAttempt` hands it to the workflow. */
export interface PreparedAttempt {
  signed: SignedTx;
  details: Record<string, unknown>;
  fee: string;
}

/** Attempt `attempt` of this transfer if its bytes are already stored (a re-executed `prepareAttempt`). */
async function storedAttempt(
  prisma: PrismaClient,
  transferId: string,
  attempt: number,
): Promise<PreparedAttempt | undefined> {
  const row = await prisma.transferAttempt.findUnique({ where: { transferId_attempt: { transferId, attempt } } });
  if (!row) return undefined;
  const { feeEstimate, ...details } = row.details as Record<string, unknown>;
  return {
    signed: { raw: row.raw, hash: row.txHash },
    details,
    fee: typeof feeEstimate === 'string' ? feeEstimate : '0',
  };
}

async function hasStoredAttempt(prisma: PrismaClient, transferId: string): Promise<boolean> {
  return (await prisma.transferAttempt.count({ where: { transferId } })) > 0;
}
