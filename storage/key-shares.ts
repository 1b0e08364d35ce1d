/** Sealed key records in the KeyShare table (only ciphertext, wrapped data key, iv and tag are stored). */
import type { Curve } from '../chains/types.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SealedKeyStore, SealedRecord } from '../signer/dev-signer.js';

export class PrismaSealedKeyStore implements SealedKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  async put(walletId: string, curve: Curve, party: string, record: SealedRecord, _publicKey: string): Promise<void> {
    await this.prisma.keyShare.upsert({
      where: { walletId_curve_party_version: { walletId, curve, party, version: 1 } },
      create: { walletId, curve, party, version: 1, status: 'active', ...record },
      update: { ...record, status: 'active' },
    });
  }

  async get(walletId: string, curve: Curve, party: string): Promise<{ record: SealedRecord; publicKey: string } | undefined> {
    const row = await this.prisma.keyShare.findUnique({
      where: { walletId_curve_party_version: { walletId, curve, party, version: 1 } },
      include: { wallet: true },
    });
    if (!row || row.status !== 'active') return undefined;
    const publicKey = curve === 'secp256k1' ? row.wallet.secp256k1PublicKey : row.wallet.ed25519PublicKey;
    const { keyId, wrappedKey, iv, tag, ciphertext } = row;
    return { record: { keyId, wrappedKey, iv, tag, ciphertext }, publicKey: publicKey ?? '' };
  }
}
