-- Money path: every attempt records why it was signed and, once proven, why it is dead; idempotency keys are
-- scoped per credential.
ALTER TABLE "TransferAttempt" ADD COLUMN "reason" TEXT NOT NULL DEFAULT 'initial',
ADD COLUMN "deadAt" TIMESTAMP(3),
ADD COLUMN "deadEvidence" TEXT;

ALTER TABLE "Transfer" ADD COLUMN "idempotencyScope" TEXT NOT NULL DEFAULT '';

DROP INDEX "Transfer_tenantId_idempotencyKey_key";

CREATE UNIQUE INDEX "Transfer_tenantId_idempotencyScope_idempotencyKey_key" ON "Transfer"("tenantId", "idempotencyScope", "idempotencyKey");
