// Every workflow the worker registers (the worker bundles this file).
export { transferWorkflow } from './transfer.js';
