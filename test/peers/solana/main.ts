/**
 * Runs the Solana TEST PEER as a process for local development: `tsx test/peers/solana/main.ts [port] [slotMs]`.
 * Not a validator; see chain.ts. Stops on SIGINT/SIGTERM.
 */
import { startSolanaTestPeer } from './server.js';

const port = Number(process.argv[2] ?? 8899);
const slotMs = Number(process.argv[3] ?? 400);
const peer = await startSolanaTestPeer({ port, slotMs, finalityDepth: 32 });
console.log(`solana test peer (litesvm) listening on ${peer.rpcUrl}, ${slotMs} ms slots`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void peer.stop().then(() => process.exit(0));
  });
}
