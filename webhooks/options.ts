/** Webhook settings from the process configuration (README "Configuration"). */
import type { AppConfig } from '../config/env.js';
import { parseSchedule } from './schedule.js';

export interface WebhookOptions {
  allowPrivate: boolean;
  /** Delay before each attempt; its length is the number of attempts. */
  schedule: number[];
  timeoutMs: number;
  retentionMs: number;
  secretOverlapMs: number;
  disableAfterMs: number;
  pollMs: number;
  concurrency: number;
  endpointConcurrency: number;
}

export function webhookOptions(config: AppConfig): WebhookOptions {
  return {
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    schedule: parseSchedule(config.WEBHOOK_RETRY_SCHEDULE),
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retentionMs: config.WEBHOOK_RETENTION_DAYS * 86_400_000,
    secretOverlapMs: config.WEBHOOK_SECRET_OVERLAP_HOURS * 3_600_000,
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    pollMs: config.WEBHOOK_POLL_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    endpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
  };
}
