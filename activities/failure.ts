/**
 * The activity boundary: every error leaves an activity as an ApplicationFailure whose `type` is the
 * stable error id and whose `nonRetryable` flag comes from the classifier. Workflows branch on `type`.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { BaseError, isBaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';

export function toApplicationFailure(err: unknown, classify?: (e: unknown) => BaseError): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const base = isBaseError(err) ? err : classify ? classify(err) : undefined;
  if (base) {
    return ApplicationFailure.create({
      type: base.id,
      message: base.shortMessage,
      nonRetryable: base.kind !== 'retryable',
      details: base.details ? [base.details] : undefined,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: ErrorId.Internal, message, nonRetryable: false });
}

/** Wraps an activity so whatever it throws crosses the boundary classified. */
export function boundary<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  classify?: (e: unknown) => BaseError,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toApplicationFailure(err, classify);
    }
  };
}

export function terminal(id: string, message: string): BaseError {
  return new BaseError(message, { id, kind: 'terminal' });
}

/** The same failure with structured facts the workflow reads (`details[0]`); never secrets. */
export function withFailureFacts(failure: ApplicationFailure, facts: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    type: failure.type ?? ErrorId.Internal,
    message: failure.message,
    nonRetryable: failure.nonRetryable ?? false,
    details: [facts],
  });
}

/** This activity's try number (1 on the first try); 1 outside an activity context (direct calls in tests). */
export function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** The id of the workflow that scheduled this activity; undefined outside an activity context (direct calls). */
export function callingWorkflowId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.workflowId;
  } catch {
    return undefined;
  }
}
