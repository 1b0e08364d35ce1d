/**
 * local-kms (github.com/nsmithuk/local-kms): a KMS-compatible server, installed by `npm run setup` where Go exists
 * (`go install` into .tools/bin). Not a test double of ours: it implements KMS's Encrypt/Decrypt with real AES-GCM,
 * key ids and encryption contexts. Each call starts one on a free port with a seed file of fresh AES keys and a
 * data directory of its own, and `stop()` ends it and deletes both.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { freePort, waitFor } from '../../scripts/stack/ports.js';
import { startProcess } from '../../scripts/stack/process.js';

const REGION = 'eu-west-2';
const ACCOUNT = '111122223333';

/** Dummy credentials: local-kms accepts any; they only satisfy the SDK's signer. */
export const localKmsCredentials = { accessKeyId: 'local-kms-test', secretAccessKey: 'local-kms-test' };

/** The local-kms binary, or undefined when it is not installed (then KMS tests are skipped with this reason). */
export function localKmsBinary(): string | undefined {
  const candidates = [
    process.env.LOCAL_KMS_BIN,
    resolve(dirname(fileURLToPath(import.meta.url)), '../../.tools/bin/local-kms'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export const localKmsMissing =
  'local-kms is not installed (.tools/bin/local-kms): `npm run setup` installs it where Go exists; set LOCAL_KMS_BIN to use another';

export interface LocalKms {
  endpoint: string;
  region: string;
  /** ARNs of the seeded AES keys. */
  keyArns: string[];
  /** A client for this server (dummy credentials). */
  client(): KMSClient;
  stop(): Promise<void>;
}

export async function startLocalKms(opts: { keys?: number } = {}): Promise<LocalKms> {
  const binary = localKmsBinary();
  if (!binary) throw new Error(localKmsMissing);
  const dir = mkdtempSync(join(tmpdir(), 'local-kms-'));
  const keyIds = Array.from({ length: opts.keys ?? 2 }, () => randomUUID());
  const seed = [
    'Keys:',
    '  Symmetric:',
    '    Aes:',
    ...keyIds.flatMap((id) => [
      '      - Metadata:',
      `          KeyId: ${id}`,
      '        BackingKeys:',
      `          - ${randomBytes(32).toString('hex')}`,
    ]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'seed.yaml'), seed);
  const port = await freePort();
  const proc = startProcess(binary, [], {
    name: 'local-kms',
    env: {
      ...process.env,
      PORT: String(port),
      KMS_SEED_PATH: join(dir, 'seed.yaml'),
      KMS_DATA_PATH: join(dir, 'data'),
      KMS_REGION: REGION,
      KMS_ACCOUNT_ID: ACCOUNT,
    },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KMSClient[] = [];
  const client = () => {
    const c = new KMSClient({ region: REGION, endpoint, credentials: localKmsCredentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of clients) c.destroy();
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const probe = client();
    await waitFor('local-kms', async () => {
      const keys = await probe.send(new ListKeysCommand({}));
      return (keys.Keys?.length ?? 0) >= keyIds.length;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    region: REGION,
    keyArns: keyIds.map((id) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`),
    client,
    stop,
  };
}
