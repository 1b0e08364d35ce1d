/**
 * The UTXO side of the reserve and build steps. Listing and selection happen once per (transfer, attempt):
 * the first reserve to commit fixes the inputs (storage/utxos.ts is insert-if-absent and fenced), every other
 * run of the step — a retry, or a timed-out run that finishes late — gets those same inputs back, and build
 * signs the stored rows, so the signed inputs always equal the reserved ones.
 */
import type { ChainAdapter, PreflightResult, Reservation, Utxo } from '../chains/types.js';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import {
  hasInFlightUtxoTransfers,
  nextAttemptOf,
  outpointOf,
  reservedByOthers,
  reservedUtxos,
  reserveUtxos,
} from '../storage/utxos.js';
import type { TransferInput } from '../workflows/shared.js';
import { terminal } from './failure.js';

export async function reserveInputs(
  prisma: PrismaClient,
  adapter: ChainAdapter,
  input: TransferInput,
  preflight: PreflightResult,
): Promise<Reservation> {
  const address = input.intent.from.address;
  // Fixed before the (possibly slow) listing: a late finisher still knows which attempt it was for.
  const attempt = await nextAttemptOf(prisma, input.transferId);
  const held = await reservedUtxos(prisma, input.network, input.transferId, attempt);
  if (held) return { utxos: held, attempt };
  for (let tries = 0; ; tries++) {
    const [utxos, taken] = await Promise.all([
      adapter.listUtxos!(address),
      reservedByOthers(prisma, input.network, input.transferId),
    ]);
    const free = utxos.filter((u) => !taken.has(outpointOf(u)));
    let selected: Utxo[];
    try {
      selected = adapter.selectUtxos!(input.intent, preflight, free);
    } catch (err) {
      const short = adapter.classify(err).id === ErrorId.InsufficientFunds;
      if (short && (await hasInFlightUtxoTransfers(prisma, input.network, address, input.transferId))) {
        throw utxosInFlight();
      }
      throw err;
    }
    try {
      const utxos = await reserveUtxos(prisma, {
        network: input.network,
        transferId: input.transferId,
        attempt,
        selected,
      });
      return { utxos, attempt };
    } catch (err) {
      if (err instanceof BaseError || tries >= 5) throw err; // fenced, or raced other transfers 5 times: back off
    }
  }
}

/** The reservation build must sign: the stored rows of the reserved attempt, never anything else. */
export async function reservationToSign(
  prisma: PrismaClient,
  input: TransferInput,
  reservation: Reservation,
): Promise<Reservation> {
  if (reservation.attempt === undefined) return reservation; // a workflow history from before fenced reservations
  const rows = await reservedUtxos(prisma, input.network, input.transferId, reservation.attempt);
  if (!rows) {
    throw terminal(
      'utxo_reservation_missing',
      `no inputs are reserved for attempt ${reservation.attempt}; refusing to sign inputs that are not reserved`,
    );
  }
  return { ...reservation, utxos: rows };
}

/**
 * Coins held by this wallet's in-flight transfers come back as change: wait rather than fail. Not retried by the
 * activity (prepareOptions); the transfer workflow waits on a timer and prepares again.
 */
export function utxosInFlight(): BaseError {
  return new BaseError('inputs are held by in-flight transfers; waiting for their change', {
    id: 'utxos_in_flight',
    kind: 'retryable',
  });
}
