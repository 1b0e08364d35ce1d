/**
 * Data keys wrapped by an AWS KMS key (`Encrypt` / `Decrypt` with a symmetric KMS key).
 *
 * The encryption context names the record (wallet, curve, party): KMS refuses to decrypt a wrapped data key
 * with any other context, so a record moved to another row fails at KMS already, before the envelope's own
 * AAD check. `Decrypt` always names the key id, so a data key wrapped under another KMS key (one these
 * credentials may also use) is refused too.
 */
import { DecryptCommand, EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import type { EnvelopeContext, KeyProvider } from '../envelope.js';

export interface AwsKmsOptions {
  /** The KMS key: its ARN (recommended: records store it), key id or alias. */
  keyId: string;
  region?: string;
  /** A KMS-compatible endpoint (local-kms in tests); the SDK's default endpoint when absent. */
  endpoint?: string;
  /** Default: the SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile, instance role...). */
  credentials?: KMSClientConfig['credentials'];
  /** Share one client between providers (rotation lists several keys of one account). */
  client?: KMSClient;
}

const DATA_KEY_BYTES = 32;

/** What KMS binds a wrapped data key to. Keys and values are logged by CloudTrail: ids only, never secrets. */
export function kmsEncryptionContext(ctx: EnvelopeContext): Record<string, string> {
  return {
    'chainflow:purpose': 'share-data-key/v1',
    'chainflow:wallet': ctx.walletId,
    'chainflow:curve': ctx.curve,
    'chainflow:party': ctx.party,
  };
}

export class AwsKmsKeyProvider implements KeyProvider {
  readonly keyId: string;
  readonly #client: KMSClient;

  constructor(options: AwsKmsOptions) {
    if (!options.keyId) throw new Error('AWS KMS key id is required');
    this.keyId = options.keyId;
    this.#client =
      options.client ??
      new KMSClient({
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
  }

  async wrapKey(dataKey: Uint8Array, context?: EnvelopeContext): Promise<string> {
    if (dataKey.length !== DATA_KEY_BYTES) throw new Error('data key must be 32 bytes');
    const out = await this.#client.send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: dataKey, EncryptionContext: requireContext(context) }),
    );
    if (!out.CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    return Buffer.from(out.CiphertextBlob).toString('base64');
  }

  async unwrapKey(wrappedKey: string, keyId: string, context?: EnvelopeContext): Promise<Uint8Array> {
    if (keyId !== this.keyId) throw new Error(`unknown master key id ${keyId}`);
    const out = await this.#client.send(
      new DecryptCommand({
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(wrappedKey, 'base64'),
        EncryptionContext: requireContext(context),
      }),
    );
    if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES) throw new Error('KMS Decrypt returned no data key');
    return out.Plaintext;
  }

  /** Closes the client's sockets (only when this provider built it). */
  close(): void {
    this.#client.destroy();
  }
}

function requireContext(context: EnvelopeContext | undefined): Record<string, string> {
  // Without the record's context the wrapped key would be bound to nothing: refuse rather than wrap unbound.
  if (!context) throw new Error('the KMS key provider needs the record context (wallet, curve, party)');
  return kmsEncryptionContext(context);
}
