import { BaseError } from '../../errors/base.js';
import { ErrorId } from '../../errors/codes.js';
import { COSIGNER_OPS, type Cosigner } from './api.js';

/**
 * The co-signer of a process that must never sign (a `WORKER_ROLE=transfers` worker): every operation is refused,
 * so no code path in it can run a signing round, with or without the main database.
 */
export function refusingCosigner(why: string): Cosigner {
  const refuse = async (): Promise<never> => {
    throw new BaseError(why, { id: ErrorId.CosignerUnavailable, kind: 'terminal' });
  };
  return Object.fromEntries(COSIGNER_OPS.map((op) => [op, refuse])) as unknown as Cosigner;
}
