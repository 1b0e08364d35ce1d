/**
 * What the MPC signer consults before it signs and tells when something is wrong.
 *
 * A partial signature that fails verification is treated as an attack, not an error: the wallet's signing on that
 * curve is locked until an operator unlocks it, so a failed signature can be observed at most once per unlock and
 * signing can never serve as an oracle on the server's share. A client share refused before any protocol step is
 * recorded but does not lock (a client with a damaged share must not be able to lock its wallet by accident).
 * The runtime's implementation (storage/signing-guard.ts) keeps locks in PostgreSQL, shared by the API and the
 * worker, and writes an audit event for each lock and refusal.
 */
import type { Curve } from '../chains/types.js';

export interface SigningGuard {
  /** True while signing on `curve` is locked for the wallet. */
  isLocked(walletId: string, curve: Curve): Promise<boolean>;
  /** A failed partial signature (or a final signature that does not verify): lock the wallet's curve and audit. */
  lock(walletId: string, curve: Curve, reason: string): Promise<void>;
  /** A client share refused before any protocol step: audit only. */
  refused(walletId: string, curve: Curve, reason: string): Promise<void>;
}

/** Process-local locks (tests and simple callers; not shared between processes). */
export class InMemorySigningGuard implements SigningGuard {
  readonly locks = new Map<string, string>();
  readonly refusals: { walletId: string; curve: Curve; reason: string }[] = [];

  private static key(walletId: string, curve: Curve): string {
    return `${walletId}/${curve}`;
  }

  async isLocked(walletId: string, curve: Curve): Promise<boolean> {
    return this.locks.has(InMemorySigningGuard.key(walletId, curve));
  }

  async lock(walletId: string, curve: Curve, reason: string): Promise<void> {
    this.locks.set(InMemorySigningGuard.key(walletId, curve), reason);
  }

  async refused(walletId: string, curve: Curve, reason: string): Promise<void> {
    this.refusals.push({ walletId, curve, reason });
  }

  unlock(walletId: string, curve: Curve): void {
    this.locks.delete(InMemorySigningGuard.key(walletId, curve));
  }
}
