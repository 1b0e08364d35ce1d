// Worker-thread bootstrap for TypeScript entries: the code runs through tsx everywhere (no build step), but a
// Worker does not always inherit a TS loader (vitest's forks do not pass one on). Registering tsx here makes
// `new Worker(bootstrap, { workerData: { entry } })` load `entry` (a .ts file URL) the same way under
// `tsx`, vitest and plain node. Registering again where tsx is already active is harmless.
// No top-level await: while the bootstrap module is still evaluating, an uncaught exception in the entry
// does not end the thread (seen on Node 20), so a crashed worker would never emit 'exit'.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
import(workerData.entry).catch((err) => {
  // Loading the entry failed: end the thread with an uncaught error (the pool sees 'error' + 'exit').
  setImmediate(() => {
    throw err;
  });
});
