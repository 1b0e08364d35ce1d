/**
 * Solana TEST PEER: an HTTP JSON-RPC 2.0 server in front of litesvm (the real SVM), for tests and local dev.
 * It is not a Solana validator and never stands in for a real cluster; see chain.ts for what it models.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  getAssociatedTokenAddressSync,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token';
import {
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
  VersionedTransaction,
} from '@solana/web3.js';
import { freePort } from '../../../scripts/stack/ports.js';
import { RpcError, SolanaTestChain, type SolanaTestChainOptions } from './chain.js';
import { dispatch } from './methods.js';

export interface SolanaTestPeerOptions extends SolanaTestChainOptions {
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
  /** Milliseconds per slot. Default 100. 0 = slots only advance through `advanceSlots`. */
  slotMs?: number;
}

export interface InjectedFault {
  /** Only this RPC method (default: any). */
  method?: string;
  /** Answer with this HTTP status instead (429, 503, …). */
  httpStatus?: number;
  /** Or with this JSON-RPC error. */
  rpcError?: { code: number; message: string };
  /** How many requests it applies to (default 1). */
  times?: number;
}

export interface SolanaTestPeer {
  rpcUrl: string;
  chain: SolanaTestChain;
  /** Lamports (SOL balance) of an address. */
  balance(address: string): number;
  airdrop(address: string, lamports: number | bigint): string;
  /** Creates an SPL Token mint whose authority is the peer's own key; returns the mint address. */
  createMint(decimals: number): string;
  /** Mints to `owner`'s associated token account (created if missing); returns that account. */
  mintTo(mint: string, owner: string, amount: number | bigint): string;
  /** Raw token amount in `owner`'s associated token account (0n if it does not exist). */
  tokenBalance(mint: string, owner: string): bigint;
  /** The blockhash a client gets from getLatestBlockhash at `confirmed` (what a dapp builds with). */
  latestBlockhash(): string;
  /** Advances block height past every blockhash handed out so far (all expire). */
  expireBlockhash(): void;
  advanceSlots(n: number): void;
  /** Stop / restart the slot clock (for assertions that must not race block production). */
  pauseSlots(): void;
  resumeSlots(): void;
  /** Accept transactions but never include them (a congested/dropping leader). */
  setDropIncoming(drop: boolean): void;
  /** Congestion mode (see SolanaTestChain.congestion); null turns it off. */
  setCongestion(congestion: { minMicroLamports: number; ignoreFirstSends: number } | null): void;
  /** Make the next matching request(s) fail (HTTP status or JSON-RPC error). */
  injectFault(fault: InjectedFault): void;
  stop(): Promise<void>;
}

export async function startSolanaTestPeer(options: SolanaTestPeerOptions = {}): Promise<SolanaTestPeer> {
  const chain = new SolanaTestChain(options);
  const authority = Keypair.generate();
  chain.airdrop(authority.publicKey, 1_000_000_000_000n);
  const faults: (InjectedFault & { times: number })[] = [];

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    const requests = Array.isArray(body) ? body : [body];
    const fault = takeFault(requests);
    if (fault?.httpStatus) {
      res.writeHead(fault.httpStatus, { 'content-type': 'text/plain' });
      res.end(fault.httpStatus === 429 ? 'Too many requests for a specific RPC call' : 'test peer injected failure');
      return;
    }
    const replies = requests.map((r) => answer(r as JsonRpcRequest, fault));
    send(res, 200, Array.isArray(body) ? replies : replies[0]);
  }

  function takeFault(requests: unknown[]): InjectedFault | undefined {
    const methodsAsked = requests.map((r) => (r as JsonRpcRequest)?.method);
    const i = faults.findIndex((f) => !f.method || methodsAsked.includes(f.method));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.times -= 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  function answer(r: JsonRpcRequest, fault: InjectedFault | undefined): unknown {
    const id = r?.id ?? null;
    if (fault?.rpcError && (!fault.method || fault.method === r.method)) {
      return { jsonrpc: '2.0', id, error: fault.rpcError };
    }
    try {
      if (!r || typeof r.method !== 'string') throw new RpcError(-32600, 'Invalid request');
      const result = dispatch(chain, r.method, Array.isArray(r.params) ? r.params : []);
      return { jsonrpc: '2.0', id, result };
    } catch (err) {
      if (err instanceof RpcError) {
        const error: Record<string, unknown> = { code: err.code, message: err.message };
        if (err.data !== undefined) error.data = err.data;
        return { jsonrpc: '2.0', id, error };
      }
      return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${(err as Error).message}` } };
    }
  }

  /** Runs a transaction from the peer's authority key, landing it like any other. */
  function runAsAuthority(instructions: TransactionInstruction[], extraSigners: Keypair[] = []): void {
    const tx = new Transaction({
      feePayer: authority.publicKey,
      recentBlockhash: chain.blockAt('processed').blockhash,
    });
    tx.add(...instructions);
    tx.sign(authority, ...extraSigners);
    const landed = chain.land(VersionedTransaction.deserialize(tx.serialize()));
    if (!landed || landed.err) throw new Error(`test peer setup transaction failed: ${JSON.stringify(landed?.err)}`);
  }

  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const slotMs = options.slotMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  const startClock = () => {
    if (slotMs > 0 && !timer) timer = setInterval(() => chain.tick(), slotMs);
  };
  const stopClock = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  startClock();

  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    chain,
    balance: (address) => chain.balance(new PublicKey(address)),
    airdrop(address, lamports) {
      const result = dispatch(chain, 'requestAirdrop', [address, Number(lamports)]);
      return String(result);
    },
    createMint(decimals) {
      const mint = Keypair.generate();
      const rent = Number(chain.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE)));
      runAsAuthority(
        [
          SystemProgram.createAccount({
            fromPubkey: authority.publicKey,
            newAccountPubkey: mint.publicKey,
            lamports: rent,
            space: MINT_SIZE,
            programId: TOKEN_PROGRAM_ID,
          }),
          createInitializeMint2Instruction(mint.publicKey, decimals, authority.publicKey, null),
        ],
        [mint],
      );
      return mint.publicKey.toBase58();
    },
    mintTo(mint, owner, amount) {
      const mintKey = new PublicKey(mint);
      const ownerKey = new PublicKey(owner);
      const ata = getAssociatedTokenAddressSync(mintKey, ownerKey, true);
      runAsAuthority([
        createAssociatedTokenAccountIdempotentInstruction(authority.publicKey, ata, ownerKey, mintKey),
        createMintToInstruction(mintKey, ata, authority.publicKey, BigInt(amount)),
      ]);
      return ata.toBase58();
    },
    tokenBalance(mint, owner) {
      const ata = getAssociatedTokenAddressSync(
        new PublicKey(mint),
        new PublicKey(owner),
        true,
        TOKEN_PROGRAM_ID,
        ASSOCIATED_TOKEN_PROGRAM_ID,
      );
      const acc = chain.svm.getAccount(ata);
      return acc ? Buffer.from(acc.data).readBigUInt64LE(64) : 0n;
    },
    latestBlockhash: () => chain.blockAt('confirmed').blockhash,
    expireBlockhash: () => chain.expireBlockhashes(),
    advanceSlots: (n) => chain.advance(n),
    pauseSlots: stopClock,
    resumeSlots: startClock,
    setCongestion(congestion) {
      chain.congestion = congestion;
    },
    setDropIncoming(drop) {
      chain.dropIncoming = drop;
    },
    injectFault(fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    async stop() {
      stopClock();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: unknown;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
