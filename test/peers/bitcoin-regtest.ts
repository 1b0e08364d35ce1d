/**
 * A real Bitcoin-Core-family regtest node for tests and the dev stack.
 *
 * Debian ships no bitcoind, so this runs litecoind (Litecoin Core 0.21, a Bitcoin Core 0.21 fork with the
 * same JSON-RPC, transaction format, P2WPKH/BIP143 signing and mempool policy). Its regtest address
 * parameters differ from Bitcoin's (bech32 `rltc`, script hash 0x3a); the `bitcoin-regtest` network config
 * selects them. The node has no wallet: fund addresses by mining (`mine(n, address)`) or the adapter's faucet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../../scripts/stack/ports.js';
import { startProcess } from '../../scripts/stack/process.js';

export const LITECOIND_BIN = '/usr/lib/litecoin/litecoind';
const RPC_USER = 'u';
const RPC_PASSWORD = 'p';

export interface BitcoinRegtestNode {
  /** `http://u:p@127.0.0.1:<port>`: credentials in the URL, as the adapter's RPC client expects. */
  rpcUrl: string;
  port: number;
  dataDir: string;
  /** Raw JSON-RPC call to the node (throws on RPC errors). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Mines `n` blocks to `toAddress` (a throwaway regtest address by default); returns the block hashes. */
  mine(n: number, toAddress?: string): Promise<string[]>;
  /** Asks the node to shut down (RPC `stop`, then SIGTERM/SIGKILL) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** A P2WSH(OP_TRUE) address: anyone can spend it, so mining rewards sent there are simply discarded. */
const BURN_ADDRESS = 'rltc1qft5p2uhsdcdc3l2ua4ap5qqfg4pjaqlp250x7us7a8qqhrxrxfsqc6h8ge';

export async function startBitcoinRegtest(
  opts: {
    port?: number;
    dataDir?: string;
    verbose?: boolean;
    binary?: string;
    /** Enable the node's wallet (for the Core backend's watch-only coin listing); off by default. */
    wallet?: boolean;
  } = {},
): Promise<BitcoinRegtestNode> {
  const port = opts.port ?? (await freePort());
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'bitcoin-regtest-'));
  const args = [
    '-regtest',
    `-datadir=${dataDir}`,
    '-rpcbind=127.0.0.1',
    '-rpcallowip=127.0.0.1',
    `-rpcport=${port}`,
    '-listen=0',
    '-dnsseed=0',
    `-rpcuser=${RPC_USER}`,
    `-rpcpassword=${RPC_PASSWORD}`,
    '-txindex=1',
    ...(opts.wallet ? [] : ['-disablewallet=1']),
    '-printtoconsole=0',
    '-fallbackfee=0.0002',
    // Bitcoin Core relays BIP125 replacements by default (full RBF since v28); litecoind needs it switched on.
    '-mempoolreplacement=1',
  ];
  const proc = startProcess(opts.binary ?? process.env.LITECOIND_BIN ?? LITECOIND_BIN, args, {
    name: 'bitcoin-regtest',
    verbose: opts.verbose,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${RPC_USER}:${RPC_PASSWORD}`).toString('base64')}`;

  let nextId = 0;
  async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ jsonrpc: '1.0', id: ++nextId, method, params }),
    });
    const text = await res.text();
    let body: { result?: T; error?: { code: number; message: string } | null };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`regtest ${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (body.error) throw new Error(`regtest ${method}: ${body.error.message} (code ${body.error.code})`);
    return body.result as T;
  }

  const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  try {
    await waitFor(
      'bitcoin regtest node',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`litecoind exited with ${proc.child.exitCode}`);
        await rpc('getblockcount');
        return true;
      },
      30_000,
    );
  } catch (err) {
    await proc.stop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    rpcUrl: `http://${RPC_USER}:${RPC_PASSWORD}@127.0.0.1:${port}`,
    port,
    dataDir,
    rpc,
    mine: (n, toAddress = BURN_ADDRESS) => rpc<string[]>('generatetoaddress', [n, toAddress]),
    stop() {
      stopped ??= (async () => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          // A clean shutdown flushes the chain state; fall back to signals if the RPC is gone.
          await rpc('stop').catch(() => undefined);
          let timer: NodeJS.Timeout | undefined;
          const timedOut = await Promise.race([
            exited.then(() => false),
            new Promise<boolean>((r) => {
              timer = setTimeout(() => r(true), 10_000);
            }),
          ]);
          clearTimeout(timer);
          if (timedOut) await proc.stop();
        }
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
