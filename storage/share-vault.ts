/**
 * Short-lived encrypted vault for client-held shares (Portal-style wallets).
 *
 * A client sends its share with a request; the API seals it here (AES-256-GCM envelope, AAD bound to the
 * row id, wallet and curve) and passes only the returned reference (`shareRef`) into workflows, so
 * Temporal history holds an opaque id, never the share. The MPC signer reads it back through
 * `resolve`. Rows expire after `ttlMs` (default 15 minutes: long enough for a transfer's signing
 * retries, short enough that a leaked reference soon points at nothing); expired rows are purged on
 * every write.
 */
import { randomUUID } from 'node:crypto';
import { BaseError } from '../errors/base.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Envelope, EnvelopeContext } from '../signer/envelope.js';

export const DEFAULT_SHARE_TTL_MS = 15 * 60 * 1000;

export const ShareVaultErrorId = 'share_ref_expired';

export interface ShareVaultOptions {
  ttlMs?: number;
  now?: () => Date;
}

const REF_PREFIX = 'vault_';

/** The envelope context of a vault row (also used by `npm run keys:rewrap`). */
export function vaultShareContext(id: string, walletId: string, curve: string): EnvelopeContext {
  return { walletId, curve, party: `share-vault:${id}` };
}

export class ShareVault {
  private readonly ttlMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly envelope: Envelope,
    options: ShareVaultOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SHARE_TTL_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** Seals `share` and returns its reference. */
  async put(walletId: string, curve: string, share: string, ttlMs = this.ttlMs): Promise<string> {
    const id = `${REF_PREFIX}${randomUUID()}`;
    const now = this.now();
    const sealed = await this.envelope.seal(share, vaultShareContext(id, walletId, curve));
    await this.prisma.shareVault.create({
      data: { id, walletId, curve, ...sealed, expiresAt: new Date(now.getTime() + ttlMs) },
    });
    await this.purgeExpired();
    return id;
  }

  /** The share behind `ref`; fails once the reference expired or was deleted. */
  async resolve(ref: string): Promise<string> {
    const row = ref.startsWith(REF_PREFIX) ? await this.prisma.shareVault.findUnique({ where: { id: ref } }) : null;
    if (!row || row.expiresAt.getTime() <= this.now().getTime()) {
      throw new BaseError('the client share reference expired; send the share again', {
        id: ShareVaultErrorId,
        kind: 'terminal',
      });
    }
    return this.envelope.open(row, vaultShareContext(row.id, row.walletId, row.curve));
  }

  async delete(ref: string): Promise<void> {
    await this.prisma.shareVault.deleteMany({ where: { id: ref } });
  }

  /** Removes expired rows; returns how many. */
  async purgeExpired(): Promise<number> {
    const { count } = await this.prisma.shareVault.deleteMany({ where: { expiresAt: { lte: this.now() } } });
    return count;
  }
}
