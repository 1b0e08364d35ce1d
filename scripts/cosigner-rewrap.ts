/**
 * `npm run cosigner:rewrap`: after a co-signer key rotation (new COSIGNER_MASTER_KEY, the old one in
 * COSIGNER_MASTER_KEY_PREVIOUS — or the KMS equivalents), re-wraps every co-signer share's data key under the new
 * key; shares are not decrypted into new ciphertext. Exit 1 while any record failed.
 */

import { cosignerKeyProviderConfig, loadCosignerConfig } from '../signer/cosigner/config.js';
import { PgCosignerStore } from '../signer/cosigner/pg-store.js';
import { Envelope } from '../signer/envelope.js';
import { keyRingFromConfig } from '../signer/key-providers/from-config.js';

const config = loadCosignerConfig();
const keyRing = keyRingFromConfig(cosignerKeyProviderConfig(config));
const store = new PgCosignerStore(config.COSIGNER_DATABASE_URL);
try {
  const report = await store.rewrapAll(new Envelope(keyRing));
  console.log(JSON.stringify(report));
  process.exitCode = report.failed.length ? 1 : 0;
} finally {
  await store.close();
  keyRing.close();
}
