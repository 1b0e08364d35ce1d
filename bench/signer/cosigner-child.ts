/** The co-signer for bench/signer/cosigner-hop.ts: the real server and party in its own process, shares in memory. */
import { randomBytes } from 'node:crypto';
import { privateKeyFromHex, publicKeyFromHex } from '../../signer/cosigner/auth.js';
import { LocalCosigner } from '../../signer/cosigner/local.js';
import { startCosignerServer } from '../../signer/cosigner/server.js';
import { EmbeddedCosignerStore } from '../../signer/cosigner/store.js';
import { Envelope, LocalMasterKeyProvider } from '../../signer/envelope.js';
import { InMemoryShareStore } from '../../signer/mpc/share-store.js';

const [signingKey, callerPublic] = process.argv.slice(2) as [string, string];
const party = new LocalCosigner({
  store: new EmbeddedCosignerStore(new InMemoryShareStore()),
  envelope: new Envelope(new LocalMasterKeyProvider(randomBytes(32))),
});
const server = await startCosignerServer({
  party,
  callers: new Map([['bench', publicKeyFromHex(callerPublic)]]),
  signingKey: privateKeyFromHex(signingKey),
});
process.stdout.write(`${server.url}\n`);
