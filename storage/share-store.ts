/**
 * The MPC signer's ShareStore on the KeyShare table. Blobs arrive sealed by the signer's envelope
 * (AES-256-GCM, data key per record); this store splits the sealed record into its columns, so the
 * table only ever holds ciphertext, the wrapped data key, iv, tag and the master key id.
 *
 * Each instance is confined to a set of parties: the runtime builds one store for the server party
 * (`server`, `server-backup`) and a separate one for the client party of server wallets (`client`), so
 * a bug in one path cannot read or overwrite the other party's shares through the same object.
 */
import type { Curve } from '../chains/types.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ShareKey, ShareParty, ShareStore } from '../signer/mpc/share-store.js';

interface SealedColumns {
  keyId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const COLUMNS = ['keyId', 'wrappedKey', 'iv', 'tag', 'ciphertext'] as const;

function toColumns(blob: string): SealedColumns {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    throw new Error('share store accepts sealed records only');
  }
  const record = parsed as Record<string, unknown>;
  for (const k of COLUMNS)
    if (typeof record?.[k] !== 'string') throw new Error('share store accepts sealed records only');
  return {
    keyId: record.keyId as string,
    wrappedKey: record.wrappedKey as string,
    iv: record.iv as string,
    tag: record.tag as string,
    ciphertext: record.ciphertext as string,
  };
}

function toBlob(row: SealedColumns): string {
  return JSON.stringify({
    keyId: row.keyId,
    wrappedKey: row.wrappedKey,
    iv: row.iv,
    tag: row.tag,
    ciphertext: row.ciphertext,
  });
}

export class PrismaShareStore implements ShareStore {
  private readonly parties: ReadonlySet<ShareParty>;

  constructor(
    private readonly prisma: PrismaClient,
    parties: readonly ShareParty[],
  ) {
    if (parties.length === 0) throw new Error('a share store needs at least one party');
    this.parties = new Set(parties);
  }

  private allow(party: ShareParty): void {
    if (!this.parties.has(party)) throw new Error(`this share store does not hold "${party}" shares`);
  }

  async get(key: ShareKey): Promise<string | undefined> {
    this.allow(key.party);
    const row = await this.prisma.keyShare.findUnique({
      where: {
        walletId_curve_party_version: {
          walletId: key.walletId,
          curve: key.curve,
          party: key.party,
          version: key.version,
        },
      },
    });
    return row && row.status === 'active' ? toBlob(row) : undefined;
  }

  async put(key: ShareKey, blob: string): Promise<void> {
    this.allow(key.party);
    if (!Number.isSafeInteger(key.version) || key.version < 1)
      throw new Error('share version must be a positive integer');
    const columns = toColumns(blob);
    await this.prisma.keyShare.upsert({
      where: {
        walletId_curve_party_version: {
          walletId: key.walletId,
          curve: key.curve,
          party: key.party,
          version: key.version,
        },
      },
      create: {
        walletId: key.walletId,
        curve: key.curve,
        party: key.party,
        version: key.version,
        status: 'active',
        ...columns,
      },
      update: { ...columns, status: 'active' },
    });
  }

  async delete(key: ShareKey): Promise<void> {
    this.allow(key.party);
    await this.prisma.keyShare.deleteMany({
      where: { walletId: key.walletId, curve: key.curve, party: key.party, version: key.version },
    });
  }

  async latest(
    walletId: string,
    curve: Curve,
    party: ShareParty,
  ): Promise<{ version: number; blob: string } | undefined> {
    this.allow(party);
    const row = await this.prisma.keyShare.findFirst({
      where: { walletId, curve, party, status: 'active' },
      orderBy: { version: 'desc' },
    });
    return row ? { version: row.version, blob: toBlob(row) } : undefined;
  }
}
