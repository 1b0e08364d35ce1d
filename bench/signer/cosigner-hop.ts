/**
 * What the co-signer hop costs on a signature (issue 9: at most 10 ms p50). Same run, same machine:
 *   - plain script: one secp256k1 / ed25519 key signing locally (@noble/curves), the baseline;
 *   - in-process second party (the single-process deployment), presignatures ready;
 *   - the co-signer in its own process over the signed HTTP channel (bench/signer/cosigner-child.ts: the real
 *     server and party, shares in memory, so its signature-log INSERT is not included), presignatures ready.
 * Run: npx tsx bench/signer/cosigner-hop.ts [--n=40]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { newKeyPairHex, privateKeyFromHex, publicKeyFromHex } from '../../signer/cosigner/auth.js';
import { CosignerClient } from '../../signer/cosigner/client.js';
import { Envelope, LocalMasterKeyProvider } from '../../signer/envelope.js';
import { ComputePool } from '../../signer/mpc/compute-pool.js';
import { InMemoryShareStore } from '../../signer/mpc/share-store.js';
import { testPaillierKeySource } from '../../signer/mpc/test-keys.js';
import { MpcSigner } from '../../signer/mpc-signer.js';

const arg = process.argv.find((a) => a.startsWith('--n='));
const N = arg ? Number(arg.slice(4)) : 40;

async function time(fn: () => Promise<unknown> | unknown): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
    await new Promise((r) => setImmediate(r));
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Wall time of `fn` and the longest this thread's event loop went without running a 5 ms timer (minus 5 ms). */
async function withLag(fn: () => Promise<unknown>): Promise<{ wall: number; lag: number }> {
  let last = performance.now();
  let lag = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 5);
    last = now;
  }, 5);
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  clearInterval(timer);
  return { wall, lag: Math.max(lag, performance.now() - last - 5) };
}

const compute = new ComputePool({ size: 1 });
const testKeys = testPaillierKeySource();
/** As the runtime's pool hands them out: a Paillier key with its range-proof commitments prepared. */
const preparedKeys = async () => compute.prepareEcdsaPaillierKey(await testKeys());

function signer(cosigner?: CosignerClient): MpcSigner {
  return new MpcSigner({
    compute,
    serverStore: new InMemoryShareStore(),
    ...(cosigner ? { cosigner } : { clientStore: new InMemoryShareStore() }),
    envelope: new Envelope(new LocalMasterKeyProvider(randomBytes(32))),
    paillierKeys: preparedKeys,
    // No background refill during the timing (it would compete for the CPU): the pool is filled up front.
    presignatures: 0,
  });
}

async function main(): Promise<void> {
  const cosignerKey = newKeyPairHex();
  const caller = newKeyPairHex();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/signer/cosigner-child.ts', cosignerKey.privateKey, caller.publicKey],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const client = new CosignerClient({
    url,
    callerId: 'bench',
    callerKey: privateKeyFromHex(caller.privateKey),
    cosignerKey: publicKeyFromHex(cosignerKey.publicKey),
  });
  const rows: [string, { p50: number; p99: number }][] = [];
  const keygens: [string, { wall: number; lag: number }][] = [];
  const sk = secp256k1.utils.randomSecretKey();
  const ek = ed25519.utils.randomSecretKey();
  rows.push(['plain script: noble secp256k1 sign (one key)', await time(() => secp256k1.sign(randomBytes(32), sk))]);
  rows.push(['plain script: noble ed25519 sign (one key)', await time(() => ed25519.sign(randomBytes(32), ek))]);
  rows.push([
    'co-signer process: one signed round trip, no MPC (activeVersion)',
    await time(() => client.activeVersion({ walletId: 'w-none', curve: 'secp256k1' })),
  ]);
  for (const [name, s] of [
    ['in-process second party', signer()],
    ['co-signer process (HTTP, signed both ways)', signer(client)],
  ] as const) {
    keygens.push([name, await withLag(() => s.createKey('w-bench', 'secp256k1'))]);
    await s.createKey('w-bench', 'ed25519');
    await s.warmUp('w-bench', N + 4);
    rows.push([
      `${name}: 2P-ECDSA with presignature`,
      await time(() => s.sign({ walletId: 'w-bench', curve: 'secp256k1', payload: bytesToHex(randomBytes(32)) })),
    ]);
    rows.push([
      `${name}: FROST-Ed25519 full round`,
      await time(() => s.sign({ walletId: 'w-bench', curve: 'ed25519', payload: bytesToHex(randomBytes(32)) })),
    ]);
    s.close();
  }
  client.close();
  child.kill();
  await compute.close();
  console.log(
    `n=${N}, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('| signature | p50 ms | p99 ms |\n|---|---|---|');
  for (const [name, r] of rows) console.log(`| ${name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
  console.log(
    '\n| secp256k1 key generation (prepared Paillier key) | wall ms | this thread max lag ms |\n|---|---|---|',
  );
  for (const [name, r] of keygens) console.log(`| ${name} | ${r.wall.toFixed(0)} | ${r.lag.toFixed(0)} |`);
}

await main();
