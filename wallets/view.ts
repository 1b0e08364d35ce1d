/** The public shape of a wallet (Dynamic-style server wallets and Portal client wallets). */
export interface WalletView {
  walletId: string;
  userId: string | null;
  custody: string;
  /** The EVM address (Dynamic's `address`). */
  address: string | null;
  /** secp256k1 compressed public key hex. */
  publicKey: string | null;
  ed25519PublicKey: string | null;
  addresses: Record<string, string>;
  createdAt: string;
}
