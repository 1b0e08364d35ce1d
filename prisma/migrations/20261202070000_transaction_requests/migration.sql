-- Caller-built transactions (eth_sendTransaction calls, sol_signAndSendTransaction) next to plain transfers.
ALTER TABLE "Transfer" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'transfer',
ADD COLUMN "callData" TEXT;
