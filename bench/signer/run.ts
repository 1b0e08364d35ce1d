/**
 * Signer benchmark (not a test): 2-of-2 MPC signing next to single-key @noble/curves signing, same run.
 * Run: npx tsx bench/signer/run.ts [--n=40]
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { EcdsaP1, EcdsaP2 } from '../../signer/mpc/ecdsa2p.js';
import { FrostSigner } from '../../signer/mpc/frost.js';
import { PaillierPrivateKey } from '../../signer/mpc/paillier.js';
import {
  type FrostPresignature,
  runEcdsaKeyGen,
  runEcdsaOnline,
  runEcdsaPresign,
  runEcdsaSign,
  runFrostDkg,
  runFrostOnline,
  runFrostPresign,
  runFrostSign,
} from '../../signer/mpc/protocol.js';

const arg = process.argv.find((a) => a.startsWith('--n='));
const N = arg ? Number(arg.slice(4)) : 40;

interface Row {
  name: string;
  curve: 'secp256k1' | 'ed25519';
  n: number;
  p50: number;
  p99: number;
  perSec: number;
}

function measure(name: string, curve: Row['curve'], n: number, fn: (i: number) => void): Row {
  for (let i = 0; i < Math.min(3, n); i++) fn(i); // warm-up
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? 0;
  return { name, curve, n, p50: pct(50), p99: pct(99), perSec: (n / total) * 1000 };
}

async function main() {
  const digests = Array.from({ length: 4096 }, () => randomBytes(32));
  const messages = Array.from({ length: 4096 }, () => randomBytes(100));
  const setup: string[] = [];

  let t = performance.now();
  const paillier = await PaillierPrivateKey.generate();
  setup.push(`Paillier-2048 keygen: ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const kg = runEcdsaKeyGen(paillier);
  setup.push(
    `2P-ECDSA keygen (PoKs, N proof, range proof, PDL; excl. Paillier keygen): ${(performance.now() - t).toFixed(0)} ms`,
  );
  t = performance.now();
  const frost = runFrostDkg();
  setup.push(`FROST DKG: ${(performance.now() - t).toFixed(0)} ms`);
  const p1 = new EcdsaP1(kg.p1);
  const p2 = new EcdsaP2(kg.p2);
  const fs = new FrostSigner(frost.server);
  const fc = new FrostSigner(frost.client);
  const sk1 = secp256k1.utils.randomSecretKey();
  const sk2 = ed25519.utils.randomSecretKey();

  const rows: Row[] = [];
  rows.push(
    measure('noble secp256k1 sign (single key)', 'secp256k1', N * 10, (i) => {
      secp256k1.sign(digests[i % 4096]!, sk1, { prehash: false });
    }),
  );
  rows.push(
    measure('noble ed25519 sign (single key)', 'ed25519', N * 10, (i) => {
      ed25519.sign(messages[i % 4096]!, sk2);
    }),
  );

  const presigs: string[] = [];
  t = performance.now();
  for (let i = 0; i < N + 3; i++) presigs.push(runEcdsaPresign(p1, p2));
  setup.push(
    `2P-ECDSA presignature generation (off the request path): ${((performance.now() - t) / (N + 3)).toFixed(1)} ms each`,
  );
  rows.push(
    measure('2P-ECDSA online (with presignature)', 'secp256k1', N, (i) => {
      const id = presigs.shift();
      if (!id) throw new Error('out of presignatures');
      runEcdsaOnline(p1, p2, id, digests[i % 4096]!);
    }),
  );
  rows.push(
    measure('2P-ECDSA full (no presignature)', 'secp256k1', N, (i) => {
      runEcdsaSign(p1, p2, digests[i % 4096]!);
    }),
  );
  const frostPresigs: FrostPresignature[] = [];
  t = performance.now();
  for (let i = 0; i < N + 3; i++) frostPresigs.push(runFrostPresign(fs, fc));
  setup.push(
    `FROST nonce commitments (off the request path): ${((performance.now() - t) / (N + 3)).toFixed(1)} ms per presignature`,
  );
  rows.push(
    measure('FROST-Ed25519 online (with presignature)', 'ed25519', N, (i) => {
      const pre = frostPresigs.shift();
      if (!pre) throw new Error('out of FROST presignatures');
      runFrostOnline(fs, fc, pre, messages[i % 4096]!);
    }),
  );
  rows.push(
    measure('FROST-Ed25519 2-of-2 full round', 'ed25519', N, (i) => {
      runFrostSign(fs, fc, messages[i % 4096]!);
    }),
  );

  const base = (curve: Row['curve']) => rows.find((r) => r.curve === curve && r.name.startsWith('noble'))!;
  console.log(`\nSetup (one-off):\n  ${setup.join('\n  ')}\n`);
  console.log(
    `${'operation'.padEnd(40)} ${'n'.padStart(5)} ${'sig/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  p50 vs single-key`,
  );
  for (const r of rows) {
    const ratio = r.p50 / base(r.curve).p50;
    console.log(
      `${r.name.padEnd(40)} ${String(r.n).padStart(5)} ${r.perSec.toFixed(1).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}  ${r.name.startsWith('noble') ? '1×' : `${ratio.toFixed(0)}× slower`}`,
    );
  }
  console.log(
    `\nnode ${process.version}, load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
