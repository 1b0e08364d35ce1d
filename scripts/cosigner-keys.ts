/**
 * `npm run cosigner:keys [names…]`: fresh keys for the co-signer channel, as env lines per process.
 * `npm run cosigner:keys -- --compose`: the variables docker-compose.yml reads (an .env file), callers api and worker.
 */
import { randomBytes } from 'node:crypto';
import { newKeyPairHex } from '../signer/cosigner/auth.js';

const args = process.argv.slice(2);
const compose = args.includes('--compose');
const names = compose ? ['api', 'worker'] : args.length ? args : ['api', 'worker'];
const cosigner = newKeyPairHex();
const callers = names.map((name) => ({ name, ...newKeyPairHex() }));
const allowList = callers.map((c) => `${c.name}=${c.publicKey}`).join(',');
if (compose) {
  console.log(`COSIGNER_MASTER_KEY=${randomBytes(32).toString('hex')}`);
  console.log(`COSIGNER_DB_PASSWORD=${randomBytes(16).toString('hex')}`);
  console.log(`COSIGNER_SIGNING_KEY=${cosigner.privateKey}`);
  console.log(`COSIGNER_PUBLIC_KEY=${cosigner.publicKey}`);
  console.log(`COSIGNER_CALLERS=${allowList}`);
  for (const c of callers) console.log(`COSIGNER_${c.name.toUpperCase()}_CALLER_KEY=${c.privateKey}`);
} else {
  console.log('# co-signer process (plus COSIGNER_DATABASE_URL and its own COSIGNER_MASTER_KEY)');
  console.log(`COSIGNER_SIGNING_KEY=${cosigner.privateKey}`);
  console.log(`COSIGNER_CALLERS=${allowList}`);
  for (const c of callers) {
    console.log(`\n# ${c.name} process`);
    console.log(`COSIGNER_CALLER_ID=${c.name}`);
    console.log(`COSIGNER_CALLER_KEY=${c.privateKey}`);
    console.log(`COSIGNER_PUBLIC_KEY=${cosigner.publicKey}`);
  }
}
