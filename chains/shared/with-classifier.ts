import type { BaseError } from '../../errors/base.js';

/**
 * Runs `fn` and rethrows whatever it throws through the adapter's one classifier, so every error leaving an
 * adapter call is a BaseError with a stable id and kind.
 */
export function withClassifier(classify: (err: unknown) => BaseError) {
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw classify(err);
    }
  };
}
