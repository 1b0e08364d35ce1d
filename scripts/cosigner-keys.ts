/** `npm run cosigner:keys [names…]`: fresh Ed25519 key pairs for the co-signer channel, as env lines. */
import { newKeyPairHex } from '../signer/cosigner/auth.js';

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['api', 'worker'];
const cosigner = newKeyPairHex();
const callers = names.map((name) => ({ name, ...newKeyPairHex() }));
console.log('# co-signer process');
console.log(`COSIGNER_SIGNING_KEY=${cosigner.privateKey}`);
console.log(`COSIGNER_CALLERS=${callers.map((c) => `${c.name}=${c.publicKey}`).join(',')}`);
for (const c of callers) {
  console.log(`\n# ${c.name} process`);
  console.log(`COSIGNER_CALLER_ID=${c.name}`);
  console.log(`COSIGNER_CALLER_KEY=${c.privateKey}`);
  console.log(`COSIGNER_PUBLIC_KEY=${cosigner.publicKey}`);
}
