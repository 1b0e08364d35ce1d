/**
 * Runs the TRON TEST PEER as a process for local development: `tsx test/peers/tron/main.ts [port] [blockMs] [solidifyDepth]`.
 * Not a java-tron node; see chain.ts. Serves tron-local (default http://127.0.0.1:8090). Stops on SIGINT/SIGTERM.
 */
import { startTronTestPeer, TEST_USDT_ADDRESS } from './index.js';

const port = Number(process.argv[2] ?? 8090);
const blockMs = Number(process.argv[3] ?? 500);
const solidifyDepth = Number(process.argv[4] ?? 3);
const peer = await startTronTestPeer({ port, blockMs, solidifyDepth });
console.log(
  `tron test peer listening on ${peer.fullNodeUrl}, ${blockMs} ms blocks, solidified ${solidifyDepth} blocks deep, USDT at ${TEST_USDT_ADDRESS}`,
);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void peer.stop().then(() => process.exit(0));
  });
}
