-- UTXO reservations fenced per (transfer, attempt) and carrying the reserved output, so the signed inputs
-- are exactly the reserved ones.
ALTER TABLE "UtxoReservation" ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "value" TEXT,
ADD COLUMN "scriptPubKey" TEXT;
