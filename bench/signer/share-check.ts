/**
 * Client-share check benchmark (not a test): how long `MpcSigner.verifyClientShare` takes to accept the honest
 * share and to refuse tampered ones, including a 16,384-bit N (refused by the length of its hex string, before any
 * BigInt exists) and, for a server share written before fingerprints existed, the Dec(c_key) = x1 fallback.
 * The target: a refusal in under 50 ms whatever the share's size.
 * Run: npx tsx bench/signer/share-check.ts [--n=40]
 */
import { randomBytes } from 'node:crypto';
import { Envelope, LocalMasterKeyProvider } from '../../signer/envelope.js';
import { fromHex, mod, modInv, randNonZeroBelow, toHex } from '../../signer/mpc/bigint.js';
import { PaillierPublicKey } from '../../signer/mpc/paillier.js';
import { q } from '../../signer/mpc/secp.js';
import { InMemoryShareStore } from '../../signer/mpc/share-store.js';
import { testPaillierKeySource } from '../../signer/mpc/test-keys.js';
import { MpcSigner } from '../../signer/mpc-signer.js';

const arg = process.argv.find((a) => a.startsWith('--n='));
const N = arg ? Number(arg.slice(4)) : 40;

// biome-ignore lint/suspicious/noExplicitAny: share JSON under test
type Json = Record<string, any>;
const edit = (share: string, f: (v: Json) => void): string => {
  const v = JSON.parse(share) as Json;
  f(v);
  return JSON.stringify(v);
};

async function time(name: string, fn: () => Promise<unknown>): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn().catch(() => undefined);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(2);
  console.log(`| ${name} | ${N} | ${at(0.5)} | ${at(0.99)} |`);
}

const envelope = new Envelope(new LocalMasterKeyProvider(randomBytes(32)));
const serverStore = new InMemoryShareStore();
const signer = new MpcSigner({
  serverStore,
  clientStore: new InMemoryShareStore(),
  envelope,
  paillierKeys: testPaillierKeySource(),
  presignatures: 0,
});
const wallet = await signer.generateClientWallet('w-bench');
const share = wallet.secp256k1.share;
const e = JSON.parse(share).ecdsa as Json;
const n = fromHex(e.n, 'n');
const pk = new PaillierPublicKey(n);
const alpha = randNonZeroBelow(q);
const oracle = edit(share, (v) => {
  v.ecdsa.ckey = toHex(pk.add(pk.mulConst(fromHex(e.ckey, 'ckey'), alpha), pk.encrypt(mod(-q * 1000n, n))));
  v.ecdsa.x2 = toHex(mod(fromHex(e.x2, 'x2') * modInv(alpha, q), q));
});
const hugeN = edit(share, (v) => {
  v.ecdsa.n = `f${randomBytes(2047).toString('hex')}1`;
});
const check = (s: string) => signer.verifyClientShare('w-bench', 'secp256k1', s);

console.log('| client share | n | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
await time('honest share (accepted)', () => check(share));
await time('oracle share c_key^a·Enc(−q·t) (refused)', () => check(oracle));
await time('16,384-bit N (refused)', () => check(hugeN));

// A server share from before fingerprints: the fallback decrypts c_key once.
const row = await serverStore.latest('w-bench', 'secp256k1', 'server');
const ctx = { walletId: 'w-bench', curve: 'secp256k1', party: 'server' };
const legacy = edit(await envelope.openFromString(row!.blob, ctx), (v) => {
  delete v.peer;
});
await serverStore.put(
  { walletId: 'w-bench', curve: 'secp256k1', party: 'server', version: 1 },
  await envelope.sealToString(legacy, ctx),
);
await time('oracle share, pre-fingerprint server share (refused by Dec)', () => check(oracle));
await time('honest share, pre-fingerprint server share (accepted)', () => check(share));
signer.close();
