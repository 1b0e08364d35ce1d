/**
 * Runs the Horizon TEST PEER on its own, for the dev stack:
 *   tsx test/peers/stellar/main.ts [--port 8000] [--ledger-ms 1000]
 * Prints `HORIZON_URL=<url>` once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startStellarTestPeer } from './index.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8000' }, 'ledger-ms': { type: 'string', default: '1000' } },
});
const peer = await startStellarTestPeer({ port: Number(values.port), ledgerMs: Number(values['ledger-ms']) });
console.log(`HORIZON_URL=${peer.horizonUrl}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void peer.stop().then(() => process.exit(0));
  });
}
