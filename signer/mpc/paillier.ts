/**
 * Paillier encryption (simple variant g = N + 1) for two-party ECDSA.
 *
 * Key generation uses `paillier-bigint` (primes from worker threads). Encryption, homomorphic
 * operations and CRT decryption are implemented here on top of a windowed modPow, because the
 * library's binary modPow is ~1.6× slower and its "CRT" decryption still uses a 2048-bit exponent.
 */
import { generateRandomKeys } from 'paillier-bigint';
import { bitLength, fromHex, gcd, mod, modInv, modPow, randUnit, toHex } from './bigint.js';

export const PAILLIER_BITS = 2048;

export class PaillierPublicKey {
  readonly n: bigint;
  readonly n2: bigint;

  constructor(n: bigint) {
    this.n = n;
    this.n2 = n * n;
  }

  get bitLength(): number {
    return bitLength(this.n);
  }

  /** r^N mod N²: the message-independent (and expensive) half of an encryption. */
  randomizer(r: bigint = randUnit(this.n)): bigint {
    return modPow(r, this.n, this.n2);
  }

  /** Enc(m; r) = (1 + m·N) · r^N mod N², given rn = r^N mod N². */
  encryptWith(m: bigint, rn: bigint): bigint {
    return ((1n + mod(m, this.n) * this.n) * rn) % this.n2;
  }

  encrypt(m: bigint, r?: bigint): bigint {
    return this.encryptWith(m, this.randomizer(r));
  }

  /** Enc(a + b). */
  add(c1: bigint, c2: bigint): bigint {
    return (c1 * c2) % this.n2;
  }

  /** Enc(k·m) from Enc(m). */
  mulConst(c: bigint, k: bigint): bigint {
    return modPow(c, k, this.n2);
  }

  /** A ciphertext must be a unit of Z_{N²}. */
  isCiphertext(c: bigint): boolean {
    return c > 0n && c < this.n2 && gcd(c, this.n) === 1n;
  }
}

/** The Paillier secret (the factorisation), with CRT tables for fast decryption. */
export class PaillierPrivateKey {
  readonly publicKey: PaillierPublicKey;
  readonly p: bigint;
  readonly q: bigint;
  private readonly p2: bigint;
  private readonly q2: bigint;
  private readonly hp: bigint;
  private readonly hq: bigint;
  private readonly qInvP: bigint;
  private readonly q2InvP2: bigint;
  /** φ(N) = (p−1)(q−1). */
  readonly phi: bigint;

  constructor(p: bigint, q: bigint) {
    if (p === q) throw new Error('Paillier primes must differ');
    this.p = p;
    this.q = q;
    this.publicKey = new PaillierPublicKey(p * q);
    this.p2 = p * p;
    this.q2 = q * q;
    this.phi = (p - 1n) * (q - 1n);
    // Paillier §7: h_p = L_p(g^(p−1) mod p²)⁻¹ mod p. With g = N + 1, g^(p−1) ≡ 1 + (p−1)·N (mod p²),
    // so L_p(…) = (p−1)·q ≡ −q (mod p): no exponentiation needed.
    this.hp = modInv(mod(-q, p), p);
    this.hq = modInv(mod(-p, q), q);
    this.qInvP = modInv(q, p);
    this.q2InvP2 = modInv(this.q2, this.p2);
  }

  static async generate(bits: number = PAILLIER_BITS): Promise<PaillierPrivateKey> {
    for (;;) {
      const { privateKey } = await generateRandomKeys(bits, true);
      // paillier-bigint keeps p and q on the private key (used for its own CRT path).
      const { _p: p, _q: q } = privateKey as unknown as { _p: bigint; _q: bigint };
      const key = new PaillierPrivateKey(p, q);
      if (gcd(key.publicKey.n, key.phi) === 1n) return key;
    }
  }

  get n(): bigint {
    return this.publicKey.n;
  }

  /** CRT decryption: two 1024-bit exponentiations modulo p² and q². */
  decrypt(c: bigint): bigint {
    const { p, q, p2, q2 } = this;
    const mp = mod(((modPow(c % p2, p - 1n, p2) - 1n) / p) * this.hp, p);
    const mq = mod(((modPow(c % q2, q - 1n, q2) - 1n) / q) * this.hq, q);
    return mq + q * mod((mp - mq) * this.qInvP, p);
  }

  /** r^N mod N² via CRT (only the key owner can do this). */
  randomizer(r: bigint = randUnit(this.n)): bigint {
    const n = this.publicKey.n;
    const xp = modPow(r % this.p2, n, this.p2);
    const xq = modPow(r % this.q2, n, this.q2);
    return xq + this.q2 * mod((xp - xq) * this.q2InvP2, this.p2);
  }

  encrypt(m: bigint): bigint {
    return this.publicKey.encryptWith(m, this.randomizer());
  }

  /** x^(1/N) mod N (the N-th root exists for every unit when gcd(N, φ(N)) = 1), via CRT. */
  nthRoot(x: bigint): bigint {
    const { p, q } = this;
    const n = this.publicKey.n;
    const rp = modPow(x % p, modInv(n, p - 1n), p);
    const rq = modPow(x % q, modInv(n, q - 1n), q);
    return rq + q * mod((rp - rq) * this.qInvP, p);
  }

  toJSON(): { p: string; q: string } {
    return { p: toHex(this.p), q: toHex(this.q) };
  }

  static fromJSON(v: { p: string; q: string }): PaillierPrivateKey {
    return new PaillierPrivateKey(fromHex(v.p, 'paillier.p'), fromHex(v.q, 'paillier.q'));
  }
}
