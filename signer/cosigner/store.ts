/**
 * Where the co-signer keeps the client party's shares of server wallets (sealed blobs) and its signing log.
 *
 * A share written by a key-generation or recovery run is `pending` until the server party confirms it stored its
 * own half; only the `active` share signs. A pending share may be replaced (a run retried after a crash); an active
 * one never is, and confirming a newer version retires the older ones (kept, not deleted).
 */
import type { Curve } from '../../chains/types.js';
import type { ShareStore } from '../mpc/share-store.js';

export interface CosignerShareKey {
  walletId: string;
  curve: Curve;
  version: number;
}

export interface SignatureLogEntry extends CosignerShareKey {
  /** 32-byte digest (secp256k1) or message (ed25519), hex. */
  payload: string;
  caller: string;
}

export interface CosignerShareStore {
  active(walletId: string, curve: Curve): Promise<{ version: number; blob: string } | undefined>;
  pending(key: CosignerShareKey): Promise<string | undefined>;
  /** Refused (`false`) when an active share of this or a later version exists. */
  putPending(key: CosignerShareKey, blob: string): Promise<boolean>;
  /** pending → active (older active versions → retired); `false` when there is no such pending or active share. */
  activate(key: CosignerShareKey): Promise<boolean>;
  logSignature(entry: SignatureLogEntry): Promise<void>;
}

/**
 * The co-signer party on the main service's `KeyShare` table (party `client`): how a single-process deployment
 * (no `COSIGNER_URL`, never in production) keeps working as before. Shares are active as soon as written, like
 * the store they come from, and nothing is logged.
 */
export class EmbeddedCosignerStore implements CosignerShareStore {
  constructor(private readonly store: ShareStore) {}

  active(walletId: string, curve: Curve) {
    return this.store.latest(walletId, curve, 'client');
  }

  pending(key: CosignerShareKey) {
    return this.store.get({ ...key, party: 'client' });
  }

  async putPending(key: CosignerShareKey, blob: string): Promise<boolean> {
    await this.store.put({ ...key, party: 'client' }, blob);
    return true;
  }

  async activate(key: CosignerShareKey): Promise<boolean> {
    const current = await this.store.latest(key.walletId, key.curve, 'client');
    if (!current || current.version < key.version) return false;
    for (let v = key.version - 1; v >= 1; v--) await this.store.delete({ ...key, version: v, party: 'client' });
    return true;
  }

  async logSignature(): Promise<void> {}
}
