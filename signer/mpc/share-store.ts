/**
 * Where key shares live. Blobs are opaque strings (the MPC signer seals them before `put`).
 * The lead's Prisma implementation maps (walletId, curve, party, version) to one row.
 */
import type { Curve } from '../../chains/types.js';

/** `server` / `client`: the current signing shares; `server-backup`: the server half of a backup pair. */
export type ShareParty = 'server' | 'client' | 'server-backup';

export interface ShareKey {
  walletId: string;
  curve: Curve;
  party: ShareParty;
  /** Starts at 1; recovery writes version + 1 and deletes the old one. */
  version: number;
}

export interface ShareStore {
  get(key: ShareKey): Promise<string | undefined>;
  put(key: ShareKey, blob: string): Promise<void>;
  delete(key: ShareKey): Promise<void>;
  /** The highest stored version for (walletId, curve, party), if any. */
  latest(walletId: string, curve: Curve, party: ShareParty): Promise<{ version: number; blob: string } | undefined>;
}

/** For tests and local runs. Not durable. */
export class InMemoryShareStore implements ShareStore {
  private readonly rows = new Map<string, string>();

  private static id(k: Pick<ShareKey, 'walletId' | 'curve' | 'party'>): string {
    return JSON.stringify([k.walletId, k.curve, k.party]);
  }

  private static rowId(k: ShareKey): string {
    return JSON.stringify([k.walletId, k.curve, k.party, k.version]);
  }

  async get(key: ShareKey): Promise<string | undefined> {
    return this.rows.get(InMemoryShareStore.rowId(key));
  }

  async put(key: ShareKey, blob: string): Promise<void> {
    if (!Number.isSafeInteger(key.version) || key.version < 1)
      throw new Error('share version must be a positive integer');
    this.rows.set(InMemoryShareStore.rowId(key), blob);
  }

  async delete(key: ShareKey): Promise<void> {
    this.rows.delete(InMemoryShareStore.rowId(key));
  }

  async latest(
    walletId: string,
    curve: Curve,
    party: ShareParty,
  ): Promise<{ version: number; blob: string } | undefined> {
    const prefix = InMemoryShareStore.id({ walletId, curve, party }).slice(0, -1);
    let best: { version: number; blob: string } | undefined;
    for (const [id, blob] of this.rows) {
      if (!id.startsWith(`${prefix},`)) continue;
      const version = (JSON.parse(id) as [string, string, string, number])[3];
      if (!best || version > best.version) best = { version, blob };
    }
    return best;
  }

  /** Test helper: number of stored rows. */
  get size(): number {
    return this.rows.size;
  }
}
