/** Solana TEST PEER (litesvm behind a JSON-RPC server). Entry point; the code lives in test/peers/solana/. */

export type { InjectedFault, SolanaTestPeer, SolanaTestPeerOptions } from './solana/server.js';
export { startSolanaTestPeer } from './solana/server.js';
