/**
 * TEST ONLY: a `ComputePool` worker entry that misbehaves on request (compute-pool.test.ts). A request with
 * a `fault` field exits the thread, throws an uncaught exception, or fails with an error that quotes a fake
 * secret; any other request runs normally, as in compute-worker.ts.
 */
import { parentPort } from 'node:worker_threads';
import { type ComputeRequest, executeComputeRequest, handleComputeMessage, WORKER_READY } from './compute.js';
import { MpcError, MpcErrorId } from './errors.js';

const FAKE_SECRET = 'x1=5eec7e75eec7e75eec7e7';

const port = parentPort;
if (!port) throw new Error('must run on a worker thread');
port.on('message', (msg: { id: number; request: ComputeRequest & { fault?: string } }) => {
  const fault = msg.request.fault;
  if (fault === 'exit') process.exit(3);
  if (fault === 'uncaught')
    setImmediate(() => {
      throw new Error(`uncaught, quoting ${FAKE_SECRET}`);
    });
  else
    port.postMessage(
      handleComputeMessage(msg, (request) => {
        if (fault === 'throw') throw new TypeError(`bad input ${FAKE_SECRET}`);
        if (fault === 'mpc') throw new MpcError(MpcErrorId.BadProof, 'Range proof for c_key does not verify: test');
        return executeComputeRequest(request);
      }),
    );
});
port.postMessage(WORKER_READY);
