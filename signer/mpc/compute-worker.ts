/**
 * Worker-thread entry of `ComputePool`: runs one request at a time and replies with the result or a
 * sanitised failure (see `computeFailure`). Loaded through worker-bootstrap.mjs (TypeScript loader).
 */
import { parentPort } from 'node:worker_threads';
import { type ComputeRequest, handleComputeMessage, WORKER_READY } from './compute.js';

const port = parentPort;
if (!port) throw new Error('compute-worker.ts must run on a worker thread');
port.on('message', (msg: { id: number; request: ComputeRequest }) => port.postMessage(handleComputeMessage(msg)));
port.postMessage(WORKER_READY);
