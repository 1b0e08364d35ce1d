/**
 * GET /v1/transfers/:id/history: the workflow's steps as domain events, read from Temporal history
 * (the durable record of what the orchestrator did and when, including retries and failures).
 * Payloads (activity inputs/results) are not decoded: they are encrypted by the payload codec.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { TransferAttempt } from '../generated/prisma/client.js';

// @temporalio/proto is CommonJS: named ESM imports fail under plain Node.
const { temporal } = proto;

const EventType = temporal.api.enums.v1.EventType;

/** Activity names → the domain step an operator reads. */
const STEP: Record<string, string> = {
  preflight: 'preflight',
  reserve: 'reserve_sequence',
  build: 'build',
  sign: 'sign',
  storeSigned: 'store_signed',
  // preflight → reserve → build → sign → store_signed as one activity (the workflow's `merged-attempt` patch).
  prepareAttempt: 'prepare_attempt',
  broadcast: 'broadcast',
  broadcastAndRecord: 'broadcast',
  checkStatus: 'check_status',
  recordTransition: 'record_state',
  markAttemptDead: 'attempt_dead',
  releaseReservation: 'release_reservation',
};

export interface HistoryEvent {
  at: string;
  event: string;
  step?: string;
  attempt?: number;
  error?: { id: string; message: string };
  detail?: string;
}

function ts(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  const seconds = Number(t?.seconds ?? 0);
  return new Date(seconds * 1000 + Math.floor((t?.nanos ?? 0) / 1e6)).toISOString();
}

/** How many runs back (continue-as-new) the story is followed; older runs are summarised by one event. */
const MAX_RUNS = 50;

/** Every run of the workflow, oldest first: each run's start names the run it continued. */
async function runHistories(client: Client, workflowId: string) {
  const runs: proto.temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined;
  for (let i = 0; i < MAX_RUNS; i++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return { runs, truncated: false };
    runId = previous;
  }
  return { runs, truncated: true };
}

export async function transferHistory(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const { runs, truncated } = await runHistories(client, workflowId);
  const out: HistoryEvent[] = [];
  if (truncated)
    out.push({
      at: ts(runs[0]?.events?.[0]?.eventTime),
      event: 'transfer.earlier_runs_omitted',
      detail: `only the last ${MAX_RUNS} runs are shown`,
    });
  let checks = 0;
  for (const [run, history] of runs.entries()) {
    // Event ids restart in each run.
    const scheduled = new Map<string, string>();
    for (const e of history.events ?? []) {
      checks = describeEvent(e, run === 0 && !truncated, scheduled, out, checks);
    }
  }
  return out;
}

/** Appends the domain events of one history event; returns the running count of status checks. */
function describeEvent(
  e: proto.temporal.api.history.v1.IHistoryEvent,
  firstRun: boolean,
  scheduled: Map<string, string>,
  out: HistoryEvent[],
  checks: number,
): number {
  const at = ts(e.eventTime);
  switch (e.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      // A continued run's start is the previous run's `transfer.continued_as_new`.
      if (firstRun) out.push({ at, event: 'transfer.started' });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'unknown';
      scheduled.set(String(e.eventId), STEP[name] ?? name);
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
      const a = e.activityTaskCompletedEventAttributes;
      const step = scheduled.get(String(a?.scheduledEventId)) ?? 'unknown';
      if (step === 'check_status') return checks + 1; // summarised: one line per poll would drown the story
      if (step === 'record_state') return checks;
      out.push({ at, event: 'step.completed', step });
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
      const a = e.activityTaskFailedEventAttributes;
      const failure = a?.failure;
      out.push({
        at,
        event: 'step.failed',
        step: scheduled.get(String(a?.scheduledEventId)) ?? 'unknown',
        attempt: undefined,
        error: {
          id: failure?.applicationFailureInfo?.type ?? 'unknown',
          message: failure?.message ?? '',
        },
      });
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
      // Ran out of time (e.g. a broadcast whose answer never came): the step's outcome is unknown, not failed.
      const a = e.activityTaskTimedOutEventAttributes;
      const type = a?.failure?.timeoutFailureInfo?.timeoutType;
      out.push({
        at,
        event: 'step.timed_out',
        step: scheduled.get(String(a?.scheduledEventId)) ?? 'unknown',
        detail: type ? temporal.api.enums.v1.TimeoutType[type] : (a?.failure?.message ?? ''),
      });
      break;
    }
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
      const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (attempt > 1) {
        const step = scheduled.get(String(e.activityTaskStartedEventAttributes?.scheduledEventId)) ?? 'unknown';
        out.push({ at, event: 'step.retried', step, attempt, detail: lastFailureMessage(e) });
      }
      break;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      out.push({ at, event: 'caller.answered' });
      break;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      out.push({ at, event: 'transfer.closed', detail: `${checks} status checks` });
      break;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      out.push({
        at,
        event: 'transfer.workflow_failed',
        detail: e.workflowExecutionFailedEventAttributes?.failure?.message ?? '',
      });
      break;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      out.push({ at, event: 'transfer.continued_as_new', detail: `${checks} status checks so far` });
      break;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      out.push({
        at,
        event: 'transfer.terminated',
        detail: e.workflowExecutionTerminatedEventAttributes?.reason ?? '',
      });
      break;
    default:
      break;
  }
  return checks;
}

function lastFailureMessage(e: proto.temporal.api.history.v1.IHistoryEvent): string | undefined {
  return e.activityTaskStartedEventAttributes?.lastFailure?.message ?? undefined;
}

/**
 * Adds each attempt's re-sign decision and death evidence (kept in PostgreSQL with the attempt, since activity
 * payloads in Temporal history are encrypted) to the story, in time order.
 */
export function withAttemptEvents(events: HistoryEvent[], attempts: TransferAttempt[]): HistoryEvent[] {
  const extra: HistoryEvent[] = [];
  for (const a of attempts) {
    extra.push({ at: a.createdAt.toISOString(), event: 'attempt.signed', attempt: a.attempt, detail: a.reason });
    if (a.deadAt)
      extra.push({
        at: a.deadAt.toISOString(),
        event: 'attempt.dead',
        attempt: a.attempt,
        detail: a.deadEvidence ?? '',
      });
  }
  return [...events, ...extra].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}
