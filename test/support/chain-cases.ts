/**
 * The non-EVM chains as the e2e tests see them: a real regtest node (Bitcoin) or a test peer that verifies
 * signatures and enforces the chain's rules (Solana on litesvm, Stellar Horizon, TRON HTTP), plus how to read
 * a native balance from it.
 */
import { bitcoinjsNetwork } from '../../chains/bitcoin/address.js';
import { bitcoinNetwork } from '../../chains/bitcoin/test-support.js';
import { startBitcoinRegtest } from '../peers/bitcoin-regtest.js';
import { startEsploraTestPeer } from '../peers/esplora/index.js';
import { startSolanaTestPeer } from '../peers/solana/server.js';
import { startStellarTestPeer } from '../peers/stellar/index.js';
import { startTronTestPeer } from '../peers/tron/index.js';

export interface RunningChain {
  /** Env var that points the network config at this node. */
  env: Record<string, string>;
  /** Native balance in base units. */
  balance(address: string): Promise<bigint>;
  stop(): Promise<void>;
  extra?: Record<string, unknown>;
}

export interface ChainCase {
  network: string;
  start(): Promise<RunningChain>;
  /** Faucet amount for a new wallet and a plain send amount (decimal strings). */
  fund: string;
  send: string;
  sendRaw: bigint;
  badAddress: string;
}

export const bitcoinCase: ChainCase = {
  network: 'bitcoin-regtest',
  fund: '1',
  send: '0.1',
  sendRaw: 10_000_000n,
  badAddress: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', // mainnet address on regtest
  async start() {
    const node = await startBitcoinRegtest();
    // Regtest has no miners: produce a block every 300 ms like a (very fast) network. One call at a time: on a
    // busy machine an interval would pile calls into the node's RPC work queue (16) and others get HTTP 503.
    let mining = true;
    let stopped = false;
    let miner: NodeJS.Timeout;
    const mineNext = () => {
      miner = setTimeout(async () => {
        if (mining) await node.mine(1).catch(() => {});
        if (!stopped) mineNext();
      }, 300);
    };
    mineNext();
    return {
      env: { RPC_URL_BITCOIN_REGTEST: node.rpcUrl },
      async balance(address) {
        const res = await node.rpc<{ total_amount: number }>('scantxoutset', ['start', [`addr(${address})`]]);
        return BigInt(Math.round(res.total_amount * 1e8));
      },
      async stop() {
        stopped = true;
        clearTimeout(miner);
        await node.stop();
      },
      extra: {
        node,
        pauseMining: () => {
          mining = false;
        },
        resumeMining: () => {
          mining = true;
        },
      },
    };
  },
};

/** The same regtest network with the Esplora backend: reads and broadcasts go through the Esplora test peer. */
export const bitcoinEsploraCase: ChainCase = {
  ...bitcoinCase,
  async start() {
    const running = await bitcoinCase.start();
    const node = running.extra!.node as { rpcUrl: string };
    const peer = await startEsploraTestPeer({
      rpcUrl: node.rpcUrl,
      network: bitcoinjsNetwork(bitcoinNetwork('bitcoin-regtest')),
    });
    return {
      ...running,
      // The Core RPC URL stays for the dev faucet, which mines through the node.
      env: { ...running.env, ESPLORA_URL_BITCOIN_REGTEST: peer.url, BITCOIN_BACKEND_BITCOIN_REGTEST: 'esplora' },
      async stop() {
        await peer.stop();
        await running.stop();
      },
      extra: { ...running.extra, peer },
    };
  },
};

export const solanaCase: ChainCase = {
  network: 'solana-local',
  fund: '2',
  send: '0.01',
  sendRaw: 10_000_000n,
  badAddress: 'not-a-solana-address',
  async start() {
    // A short blockhash validity (40 heights ≈ 4 s) keeps the expiry test quick.
    const peer = await startSolanaTestPeer({ slotMs: 100, finalityDepth: 8, blockhashValidity: 40 });
    return {
      // solana-devnet deliberately pointed at the local peer: the chain-identity test's wrong node.
      env: { RPC_URL_SOLANA_LOCAL: peer.rpcUrl, RPC_URL_SOLANA_DEVNET: peer.rpcUrl },
      balance: async (address) => BigInt(peer.balance(address)),
      stop: () => peer.stop(),
      extra: { peer },
    };
  },
};

export const stellarCase: ChainCase = {
  network: 'stellar-local',
  fund: '100',
  send: '2',
  sendRaw: 20_000_000n,
  badAddress: 'GABC',
  async start() {
    // stellar-core queues one transaction per account; a second waits (Horizon 504 → retried).
    const peer = await startStellarTestPeer({ ledgerMs: 300, submitTimeoutMs: 1500 });
    return {
      // stellar-testnet deliberately pointed at the local peer: the chain-identity test's wrong node.
      env: { RPC_URL_STELLAR_LOCAL: peer.horizonUrl, RPC_URL_STELLAR_TESTNET: peer.horizonUrl },
      balance: async (address) => {
        const b = peer.balance(address);
        return b === null ? 0n : BigInt(Math.round(Number(b) * 1e7));
      },
      stop: () => peer.stop(),
      extra: { peer },
    };
  },
};

export const tronCase: ChainCase = {
  network: 'tron-local',
  fund: '100',
  send: '1.5',
  sendRaw: 1_500_000n,
  badAddress: 'TXYZ-not-an-address',
  async start() {
    // Mainnet's TIP-387 memo fee (1 TRX), so a memo transfer pays it here too.
    const peer = await startTronTestPeer({ blockMs: 200, solidifyDepth: 3, params: { getMemoFee: 1_000_000 } });
    return {
      env: { RPC_URL_TRON_LOCAL: peer.fullNodeUrl },
      balance: async (address) => peer.balanceOf(address),
      stop: () => peer.stop(),
      extra: { peer },
    };
  },
};
