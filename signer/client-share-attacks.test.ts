/**
 * The client as attacker, at the signer: a client-held share is untrusted input. Each test plays a client that edits
 * its share (the threshold-oracle attack of docs/mpc.md "Threat model", a foreign N, a 16k-bit N, a swapped Q2,
 * another wallet's share, a FROST share with a moved signing share) or sends a bad partial signature, and checks
 * that the share is refused before any protocol message is exchanged, that a bad partial locks the wallet, and that
 * the honest share still signs.
 */
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { Envelope, LocalMasterKeyProvider } from './envelope.js';
import { verifySignature } from './local-key.js';
import { fromHex, mod, modInv, randNonZeroBelow, toHex } from './mpc/bigint.js';
import { EcdsaP1, type EcdsaP1Share, EcdsaP2, EcdsaP2KeyGen, type EcdsaP2Share } from './mpc/ecdsa2p.js';
import { commit } from './mpc/hash.js';
import { PaillierPublicKey } from './mpc/paillier.js';
import { runEcdsaPresign } from './mpc/protocol.js';
import { G, pointToHex, proveDlog, q } from './mpc/secp.js';
import { decodeShare } from './mpc/share-codec.js';
import { InMemoryShareStore } from './mpc/share-store.js';
import { testPaillierKeySource } from './mpc/test-keys.js';
import { MpcSigner } from './mpc-signer.js';
import { InMemorySigningGuard } from './signing-guard.js';

// biome-ignore lint/suspicious/noExplicitAny: share JSON under test
type Json = Record<string, any>;

const envelope = new Envelope(new LocalMasterKeyProvider(randomBytes(32)));
const serverStore = new InMemoryShareStore();
const vault = new Map<string, string>();
const guard = new InMemorySigningGuard();
/** Every protocol step the signer ran (by step name), and an optional message rewrite per step. */
const steps: string[] = [];
let rewrite: ((step: string, msg: Json) => Json) | undefined;

const signer = new MpcSigner({
  serverStore,
  clientStore: new InMemoryShareStore(),
  envelope,
  resolveClientShare: async (ref) => vault.get(ref) ?? '',
  paillierKeys: testPaillierKeySource(3),
  presignatures: 0,
  guard,
  tamper: (step, msg) => {
    steps.push(step);
    return rewrite ? rewrite(step, msg as Json) : msg;
  },
});

const deposit = (share: string): string => {
  const ref = `ref-${vault.size}`;
  vault.set(ref, share);
  return ref;
};
const digest = () => bytesToHex(randomBytes(32));
const sign = (walletId: string, curve: 'secp256k1' | 'ed25519', share: string) => {
  steps.length = 0;
  return signer.sign({
    walletId,
    curve,
    payload: curve === 'secp256k1' ? digest() : digest(),
    shareRef: deposit(share),
  });
};
const edit = (share: string, f: (v: Json) => void): string => {
  const v = JSON.parse(share) as Json;
  f(v);
  return JSON.stringify(v);
};

const a = await signer.generateClientWallet('w-a');
const b = await signer.generateClientWallet('w-b');

describe('a tampered client share is refused before any protocol step (400 mpc_share_invalid)', () => {
  it('the threshold oracle: c_key′ = c_key^α · Enc(−q·t), x2′ = x2·α⁻¹', async () => {
    const ecdsa = JSON.parse(a.secp256k1.share).ecdsa as Json;
    const n = fromHex(ecdsa.n, 'n');
    const pk = new PaillierPublicKey(n);
    const alpha = randNonZeroBelow(q);
    const t = randNonZeroBelow(1n << 64n);
    const ckey = pk.add(pk.mulConst(fromHex(ecdsa.ckey, 'ckey'), alpha), pk.encrypt(mod(-q * t, n)));
    const x2 = mod(fromHex(ecdsa.x2, 'x2') * modInv(alpha, q), q);
    const forged = edit(a.secp256k1.share, (v) => {
      v.ecdsa.ckey = toHex(ckey);
      v.ecdsa.x2 = toHex(x2);
    });
    const before = guard.refusals.length;
    await expect(sign('w-a', 'secp256k1', forged)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
    expect(steps).toEqual([]); // not one protocol message
    expect(guard.refusals.slice(before)).toEqual([
      { walletId: 'w-a', curve: 'secp256k1', reason: 'mpc_share_invalid' },
    ]);
    expect(await guard.isLocked('w-a', 'secp256k1')).toBe(false); // a refused share does not lock
    // Re-randomising c_key alone (same plaintext) is refused too: the fingerprint fixes c_key exactly.
    const rerandomised = edit(a.secp256k1.share, (v) => {
      v.ecdsa.ckey = toHex(pk.add(fromHex(ecdsa.ckey, 'ckey'), pk.encrypt(0n)));
    });
    await expect(sign('w-a', 'secp256k1', rerandomised)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
  });

  it('a wrong N, a 16,384-bit N, a swapped Q2, a moved x2: refused, with the same message whichever check failed', async () => {
    const own = JSON.parse(a.secp256k1.share).ecdsa as Json;
    const other = JSON.parse(b.secp256k1.share).ecdsa as Json;
    const huge = `f${bytesToHex(randomBytes(2047))}1`; // 16,384 bits, odd
    const cases: Record<string, string> = {
      'another wallet’s N': edit(a.secp256k1.share, (v) => {
        v.ecdsa.n = other.n;
      }),
      'another wallet’s N and c_key': edit(a.secp256k1.share, (v) => {
        v.ecdsa.n = other.n;
        v.ecdsa.ckey = other.ckey;
      }),
      'a 16,384-bit N': edit(a.secp256k1.share, (v) => {
        v.ecdsa.n = huge;
      }),
      'a 16,384-bit c_key': edit(a.secp256k1.share, (v) => {
        v.ecdsa.ckey = huge;
      }),
      'a swapped Q2': edit(a.secp256k1.share, (v) => {
        v.ecdsa.Q2 = other.Q2;
      }),
      'Q2 and x2 replaced consistently': edit(a.secp256k1.share, (v) => {
        const x2 = randNonZeroBelow(q);
        v.ecdsa.x2 = toHex(x2);
        v.ecdsa.Q2 = pointToHex(G.multiply(x2));
      }),
      'x2 alone': edit(a.secp256k1.share, (v) => {
        v.ecdsa.x2 = toHex(mod(fromHex(own.x2, 'x2') + 1n, q));
      }),
      'x2 = 0': edit(a.secp256k1.share, (v) => {
        v.ecdsa.x2 = '0';
      }),
    };
    for (const [what, share] of Object.entries(cases)) {
      const err = await sign('w-a', 'secp256k1', share).then(
        () => undefined,
        (e: { id: string; shortMessage: string }) => e,
      );
      expect(err?.id, what).toBe('mpc_share_invalid');
      expect(steps, what).toEqual([]);
    }
    // The bound is checked on the string, before any BigInt exists: the message names the bound, never the value.
    const huge16k = await sign('w-a', 'secp256k1', cases['a 16,384-bit N']!).catch((e: Error) => e);
    expect((huge16k as Error).message).toMatch(/n is not a hex integer of at most 4096 bits/);
    expect((huge16k as Error).message).not.toContain(huge.slice(0, 16));
  });

  it('another wallet’s share: by its label mpc_share_mismatch, relabelled mpc_share_invalid', async () => {
    await expect(sign('w-a', 'secp256k1', b.secp256k1.share)).rejects.toMatchObject({ id: 'mpc_share_mismatch' });
    const relabelled = edit(b.secp256k1.share, (v) => {
      v.walletId = 'w-a';
    });
    await expect(sign('w-a', 'secp256k1', relabelled)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
    const relabelledEd = edit(b.ed25519.share, (v) => {
      v.walletId = 'w-a';
    });
    await expect(sign('w-a', 'ed25519', relabelledEd)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
    expect(steps).toEqual([]);
  });

  it('FROST: a moved signing share, a moved public package, a swapped identifier are refused', async () => {
    const frost = JSON.parse(a.ed25519.share).frost as Json;
    const other = JSON.parse(b.ed25519.share).frost as Json;
    const cases = [
      edit(a.ed25519.share, (v) => {
        v.frost.signingShare = other.signingShare;
      }),
      edit(a.ed25519.share, (v) => {
        v.frost.public = other.public;
        v.frost.signingShare = other.signingShare;
      }),
      edit(a.ed25519.share, (v) => {
        v.frost.identifier = Object.keys(frost.public.verifyingShares).find((id) => id !== frost.identifier);
      }),
      edit(a.ed25519.share, (v) => {
        v.frost.signingShare = `${frost.signingShare}00`;
      }),
    ];
    for (const share of cases) {
      await expect(sign('w-a', 'ed25519', share)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
      expect(steps).toEqual([]);
    }
  });

  it('a server share written before fingerprints existed: the tampered share is refused by Dec(c_key) = x1', async () => {
    const row = await serverStore.latest('w-b', 'secp256k1', 'server');
    const ctx = { walletId: 'w-b', curve: 'secp256k1', party: 'server' };
    const legacy = edit(await envelope.openFromString(row!.blob, ctx), (v) => {
      delete v.peer;
    });
    await serverStore.put(
      { walletId: 'w-b', curve: 'secp256k1', party: 'server', version: 1 },
      await envelope.sealToString(legacy, ctx),
    );
    const ecdsa = JSON.parse(b.secp256k1.share).ecdsa as Json;
    const pk = new PaillierPublicKey(fromHex(ecdsa.n, 'n'));
    const forged = edit(b.secp256k1.share, (v) => {
      v.ecdsa.ckey = toHex(pk.add(fromHex(ecdsa.ckey, 'ckey'), pk.encrypt(1n)));
    });
    await expect(sign('w-b', 'secp256k1', forged)).rejects.toMatchObject({ id: 'mpc_share_invalid' });
    expect(steps).toEqual([]);
    const sig = await sign('w-b', 'secp256k1', b.secp256k1.share);
    expect(sig.signature).toMatch(/^[0-9a-f]{128}$/);
  });

  it('the honest shares still sign, for both curves', async () => {
    const d = digest();
    steps.length = 0;
    const sig = await signer.sign({
      walletId: 'w-a',
      curve: 'secp256k1',
      payload: d,
      shareRef: deposit(a.secp256k1.share),
    });
    expect(verifySignature('secp256k1', a.secp256k1.publicKey, d, sig)).toBe(true);
    expect(steps).toContain('sign/4:c3');
    const m = digest();
    const e = await signer.sign({ walletId: 'w-a', curve: 'ed25519', payload: m, shareRef: deposit(a.ed25519.share) });
    expect(
      ed25519.verify(Buffer.from(e.signature, 'hex'), Buffer.from(m, 'hex'), Buffer.from(a.ed25519.publicKey, 'hex')),
    ).toBe(true);
  });
});

describe('a partial signature that fails verification locks the wallet (423 wallet_locked)', () => {
  it('ECDSA: one bad c3 (the oracle attack played at the message level) locks; nothing signs until unlocked', async () => {
    const n = fromHex((JSON.parse(a.secp256k1.share).ecdsa as Json).n, 'n');
    const pk = new PaillierPublicKey(n);
    // c3 · Enc(−q·t) leaves s mod q unchanged unless the plaintext wraps modulo N: the oracle's bit. With t = q³ it
    // always wraps (the honest plaintext is below q³ + q), so this partial is bad.
    rewrite = (step, msg) => {
      if (step !== 'sign/4:c3') return msg;
      return { ...msg, c3: toHex(pk.add(fromHex(msg.c3, 'c3'), pk.encrypt(mod(-q * q ** 3n, n)))) };
    };
    try {
      await expect(sign('w-a', 'secp256k1', a.secp256k1.share)).rejects.toMatchObject({ id: 'wallet_locked' });
    } finally {
      rewrite = undefined;
    }
    expect(guard.locks.get('w-a/secp256k1')).toBe('mpc_bad_proof');
    // Locked: the honest share is refused too, before any protocol step, with the same answer.
    await expect(sign('w-a', 'secp256k1', a.secp256k1.share)).rejects.toMatchObject({ id: 'wallet_locked' });
    expect(steps).toEqual([]);
    await expect(signer.verifyClientShare('w-a', 'secp256k1', a.secp256k1.share)).rejects.toMatchObject({
      id: 'wallet_locked',
    });
    // The other curve is not affected; an operator unlock restores signing.
    expect((await sign('w-a', 'ed25519', a.ed25519.share)).signature).toMatch(/^[0-9a-f]{128}$/);
    guard.unlock('w-a', 'secp256k1');
    expect((await sign('w-a', 'secp256k1', a.secp256k1.share)).signature).toMatch(/^[0-9a-f]{128}$/);
  });

  it('ECDSA: a malformed or oversized c3 is a bad partial too (bound-checked before decryption)', async () => {
    rewrite = (step, msg) => (step === 'sign/4:c3' ? { ...msg, c3: 'f'.repeat(4096) } : msg);
    try {
      await expect(sign('w-a', 'secp256k1', a.secp256k1.share)).rejects.toMatchObject({ id: 'wallet_locked' });
    } finally {
      rewrite = undefined;
    }
    expect(guard.locks.get('w-a/secp256k1')).toBe('mpc_bad_message');
    guard.unlock('w-a', 'secp256k1');
  });

  it('fails closed: when the shared lock cannot be written, this process stays locked', async () => {
    let bad = true;
    const downGuard = {
      isLocked: async () => false,
      lock: async () => {
        throw new Error('database unreachable');
      },
      refused: async () => {},
    };
    const local = new MpcSigner({
      serverStore,
      clientStore: new InMemoryShareStore(),
      envelope,
      resolveClientShare: async (ref) => vault.get(ref) ?? '',
      presignatures: 0,
      guard: downGuard,
      tamper: (step, msg) => (bad && step === 'sign/4:c3' ? { ...(msg as Json), c3: '1' } : msg),
    });
    const once = () =>
      local.sign({ walletId: 'w-a', curve: 'secp256k1', payload: digest(), shareRef: deposit(a.secp256k1.share) });
    await expect(once()).rejects.toMatchObject({ id: 'wallet_locked' });
    bad = false;
    await expect(once()).rejects.toMatchObject({ id: 'wallet_locked' });
    local.close();
  });

  it('FROST: a bad client signature share locks ed25519 signing', async () => {
    rewrite = (step, msg) => (step === 'frost-sign/2:client-share' ? (bytesToHex(randomBytes(32)) as never) : msg);
    try {
      await expect(sign('w-a', 'ed25519', a.ed25519.share)).rejects.toMatchObject({ id: 'wallet_locked' });
    } finally {
      rewrite = undefined;
    }
    expect(guard.locks.has('w-a/ed25519')).toBe(true);
    guard.unlock('w-a', 'ed25519');
  });
});

describe('every message from the other party is bounded before use', () => {
  it('key generation: a 16,384-bit N is refused by its length, before the modulus proof', () => {
    const p2 = new EcdsaP2KeyGen();
    const sessionId = bytesToHex(randomBytes(16));
    const x1 = randNonZeroBelow(q / 3n);
    const Q1 = G.multiply(x1);
    const q1Proof = proveDlog(x1, Q1, `${sessionId}/keygen/Q1`);
    const c = commit('keygen/Q1', sessionId, pointToHex(Q1), q1Proof.t, q1Proof.z);
    p2.round1({ sessionId, q1Commitment: c.commitment });
    expect(() =>
      p2.round2({
        q1: pointToHex(Q1),
        q1Proof,
        blind: c.blind,
        n: `f${'0'.repeat(4094)}1`,
        nProof: { sigmas: [] },
        ckey: '1',
        ckeyRange: { c1: [], c2: [], answers: [] },
      }),
    ).toThrow(expect.objectContaining({ id: 'mpc_bad_paillier_key' }));
  });

  it('signing: P1 refuses a c3 longer than N² before decrypting; P2 an oversized session id', async () => {
    const open = async (party: 'server', walletId: string) => {
      const row = await serverStore.latest(walletId, 'secp256k1', party);
      return decodeShare(await envelope.openFromString(row!.blob, { walletId, curve: 'secp256k1', party }));
    };
    const server = (await open('server', 'w-a')) as { ecdsa: EcdsaP1Share };
    const client = decodeShare(a.secp256k1.share) as unknown as { ecdsa: EcdsaP2Share };
    const p1 = new EcdsaP1(server.ecdsa);
    const p2 = new EcdsaP2(client.ecdsa);
    const session = runEcdsaPresign(p1, p2);
    expect(() => p1.finish({ sessionId: session, c3: `1${'0'.repeat(1024)}` }, randomBytes(32))).toThrow(
      expect.objectContaining({ id: 'mpc_bad_message' }),
    );
    // Session ids are bounded too (they enter every hash context).
    expect(() => p2.nonceRespond({ sessionId: 'a'.repeat(129), r1Commitment: 'c' })).toThrow(
      expect.objectContaining({ id: 'mpc_bad_message' }),
    );
  });
});
