/**
 * Signer benchmark (not a test): 2-of-2 MPC signing next to single-key @noble/curves signing, same run;
 * then secp256k1 key generation on this thread vs the worker-thread ComputePool, with and without
 * precomputed range-proof commitments, with the main thread's max event-loop lag during each.
 * Run: npx tsx bench/signer/run.ts [--n=40] [--keygens=1]
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type EcdsaKeyPair, InThreadCompute, type MpcCompute } from '../../signer/mpc/compute.js';
import { ComputePool } from '../../signer/mpc/compute-pool.js';
import { EcdsaP1, EcdsaP2, type PaillierKeyInput } from '../../signer/mpc/ecdsa2p.js';
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
const keygenArg = process.argv.find((a) => a.startsWith('--keygens='));
const KEYGENS = keygenArg ? Number(keygenArg.slice('--keygens='.length)) : 1;

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

interface KeygenRow {
  name: string;
  wall: number[];
  lag: number[];
}

/**
 * Wall time of `fn` and the largest event-loop delay this thread saw meanwhile: the longest gap between two
 * ticks of a 5 ms interval, minus 5 ms. (perf_hooks' monitorEventLoopDelay misses a block that starts before
 * its timer first fires, which is exactly the in-thread case.)
 */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; lag: number }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  await new Promise((r) => setTimeout(r, 30)); // the interval is running before fn starts
  const t = performance.now();
  const value = await fn();
  const wall = performance.now() - t;
  await new Promise((r) => setTimeout(r, 30)); // the tick delayed by fn (if any) is recorded
  clearInterval(timer);
  return { value, wall, lag: Math.max(0, maxGap - 5) };
}

async function keygenBench(paillier: PaillierPrivateKey): Promise<string[]> {
  const inThread = new InThreadCompute();
  const pool = new ComputePool({ size: 1 });
  try {
    // Start the worker (thread + TypeScript loading) outside the timings.
    const warm = await timed(() => pool.prepareEcdsaPaillierKey(paillier));
    warm.value.rangeCommitments.take();
    const rows: KeygenRow[] = [];
    const prep: KeygenRow = { name: 'precompute commitments (pool, background)', wall: [], lag: [] };
    const prepInThread: KeygenRow = { name: 'precompute commitments (in-thread)', wall: [], lag: [] };
    const cases: { name: string; compute: MpcCompute; prepared: 'no' | 'in-thread' | 'pool' }[] = [
      { name: 'in-thread, commitments inline', compute: inThread, prepared: 'no' },
      { name: 'in-thread, precomputed commitments', compute: inThread, prepared: 'in-thread' },
      { name: 'pool (worker), commitments inline', compute: pool, prepared: 'no' },
      { name: 'pool (worker), precomputed commitments', compute: pool, prepared: 'pool' },
    ];
    for (const c of cases) rows.push({ name: c.name, wall: [], lag: [] });
    for (let i = 0; i < KEYGENS; i++)
      for (const [k, c] of cases.entries()) {
        let input: PaillierKeyInput = paillier;
        if (c.prepared !== 'no') {
          const p = await timed(() =>
            c.prepared === 'pool' ? pool.prepareEcdsaPaillierKey(paillier) : inThread.prepareEcdsaPaillierKey(paillier),
          );
          const row = c.prepared === 'pool' ? prep : prepInThread;
          row.wall.push(p.wall);
          row.lag.push(p.lag);
          input = p.value;
        }
        const r = await timed<EcdsaKeyPair>(() => c.compute.ecdsaKeyGen(input));
        if (!r.value.p1.Q.equals(r.value.p2.Q)) throw new Error('keygen disagreement');
        rows[k]!.wall.push(r.wall);
        rows[k]!.lag.push(r.lag);
      }
    rows.push(prepInThread, prep);
    // Presignatures for one wallet, 20 in a row (what a pool refill does): wall per presignature, max lag overall.
    const kg = await pool.ecdsaKeyGen(paillier);
    const [p1, p2] = [new EcdsaP1(kg.p1), new EcdsaP2(kg.p2)];
    for (const [name, compute] of [
      ['presignature (in-thread), per presignature', inThread],
      ['presignature (pool), per presignature', pool],
    ] as const) {
      const r = await timed(async () => {
        for (let i = 0; i < 20; i++) {
          await compute.ecdsaPresign(p1, p2);
          await new Promise((r) => setImmediate(r)); // as PresignaturePool: one per event-loop turn
        }
      });
      rows.push({ name, wall: [r.wall / 20], lag: [r.lag] });
    }
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)] ?? 0;
    return [
      `secp256k1 key generation (excl. Paillier keygen), ${KEYGENS} run(s) each, median; lag = main-thread max event-loop delay`,
      `${'case'.padEnd(44)} ${'wall ms'.padStart(9)} ${'max lag ms'.padStart(11)}`,
      ...rows.map(
        (r) => `${r.name.padEnd(44)} ${med(r.wall).toFixed(0).padStart(9)} ${med(r.lag).toFixed(0).padStart(11)}`,
      ),
    ];
  } finally {
    await pool.close();
  }
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

  const keygenTable = await keygenBench(paillier);

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
  console.log(`\n${keygenTable.join('\n')}`);
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
