/**
 * Master key rotation: wraps new data keys under the current key, unwraps under the current key or any
 * previous one that is still configured (`MASTER_KEY_PREVIOUS`, `AWS_KMS_PREVIOUS_KEY_IDS`, or the local
 * `MASTER_KEY` after a move to KMS). `npm run keys:rewrap` moves every record to the current key; after that
 * the previous keys can be removed from the configuration.
 */
import type { EnvelopeContext, KeyProvider } from '../envelope.js';

export class KeyRing implements KeyProvider {
  readonly keyId: string;
  readonly #byId: ReadonlyMap<string, KeyProvider>;

  constructor(
    readonly current: KeyProvider,
    readonly previous: readonly KeyProvider[] = [],
    private readonly onClose: () => void = () => {},
  ) {
    this.keyId = current.keyId;
    const byId = new Map<string, KeyProvider>([[current.keyId, current]]);
    for (const p of previous) if (!byId.has(p.keyId)) byId.set(p.keyId, p);
    this.#byId = byId;
  }

  /** Key ids this ring can unwrap under, the current one first. */
  get keyIds(): string[] {
    return [...this.#byId.keys()];
  }

  /** Key ids of the previous keys only (what a rewrap moves records away from). */
  get previousKeyIds(): string[] {
    return this.keyIds.filter((id) => id !== this.keyId);
  }

  /** Releases the providers' clients (KMS sockets). */
  close(): void {
    this.onClose();
  }

  wrapKey(dataKey: Uint8Array, context?: EnvelopeContext): Promise<string> {
    return this.current.wrapKey(dataKey, context);
  }

  async unwrapKey(wrappedKey: string, keyId: string, context?: EnvelopeContext): Promise<Uint8Array> {
    const provider = this.#byId.get(keyId);
    if (!provider) throw new Error(`unknown master key id ${keyId}`);
    return provider.unwrapKey(wrappedKey, keyId, context);
  }
}
