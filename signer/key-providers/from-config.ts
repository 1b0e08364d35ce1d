/** The key ring a process wraps and unwraps data keys with, from configuration (README "Configuration"). */
import { KMSClient } from '@aws-sdk/client-kms';
import { type KeyProvider, LocalMasterKeyProvider, parseMasterKey } from '../envelope.js';
import { AwsKmsKeyProvider } from './aws-kms.js';
import { KeyRing } from './key-ring.js';

export type KeyProviderKind = 'local' | 'aws-kms';

/** The settings that choose the keys (a subset of `AppConfig`; the co-signer can map its own names onto it). */
export interface KeyProviderConfig {
  KEY_PROVIDER: KeyProviderKind;
  /** local: the current key; aws-kms: a previous key (still opens records sealed before the move to KMS). */
  MASTER_KEY?: string | undefined;
  /** Comma-separated previous local master keys (unwrap only). */
  MASTER_KEY_PREVIOUS?: string | undefined;
  AWS_KMS_KEY_ID?: string | undefined;
  /** Comma-separated previous KMS key ARNs (unwrap only). */
  AWS_KMS_PREVIOUS_KEY_IDS?: string | undefined;
  AWS_REGION?: string | undefined;
  AWS_KMS_ENDPOINT?: string | undefined;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function keyRingFromConfig(config: KeyProviderConfig): KeyRing {
  let client: KMSClient | undefined;
  const kms = (keyId: string): AwsKmsKeyProvider => {
    if (!config.AWS_REGION) throw new Error('AWS_REGION is required to use AWS KMS keys');
    client ??= new KMSClient({
      region: config.AWS_REGION,
      ...(config.AWS_KMS_ENDPOINT ? { endpoint: config.AWS_KMS_ENDPOINT } : {}),
    });
    return new AwsKmsKeyProvider({ keyId, client });
  };
  const local = (value: string, name: string): LocalMasterKeyProvider => {
    try {
      return new LocalMasterKeyProvider(parseMasterKey(value));
    } catch {
      // Never echo the value: it is key material.
      throw new Error(`${name} must be 32 bytes (64 hex chars or base64)`);
    }
  };

  let current: KeyProvider;
  const previous: KeyProvider[] = [];
  if (config.KEY_PROVIDER === 'aws-kms') {
    if (!config.AWS_KMS_KEY_ID) throw new Error('AWS_KMS_KEY_ID is required when KEY_PROVIDER=aws-kms');
    current = kms(config.AWS_KMS_KEY_ID);
    if (config.MASTER_KEY) previous.push(local(config.MASTER_KEY, 'MASTER_KEY'));
  } else {
    if (!config.MASTER_KEY) throw new Error('MASTER_KEY is required (32 bytes as 64 hex chars or base64)');
    current = local(config.MASTER_KEY, 'MASTER_KEY');
  }
  for (const value of list(config.MASTER_KEY_PREVIOUS)) previous.push(local(value, 'MASTER_KEY_PREVIOUS'));
  for (const keyId of list(config.AWS_KMS_PREVIOUS_KEY_IDS)) previous.push(kms(keyId));
  const sharedClient = client;
  return new KeyRing(current, previous, () => sharedClient?.destroy());
}
