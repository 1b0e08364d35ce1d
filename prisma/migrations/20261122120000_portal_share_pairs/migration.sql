-- CreateTable
CREATE TABLE "SigningSharePair" (
    "id" TEXT NOT NULL,
    "walletId" TEXT NOT NULL,
    "curve" TEXT NOT NULL,
    "keyVersion" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'incomplete',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" TIMESTAMP(3),

    CONSTRAINT "SigningSharePair_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SigningSharePair_walletId_curve_kind_keyVersion_key" ON "SigningSharePair"("walletId", "curve", "kind", "keyVersion");

-- CreateIndex
CREATE UNIQUE INDEX "Wallet_clientId_key" ON "Wallet"("clientId");

-- AddForeignKey
ALTER TABLE "SigningSharePair" ADD CONSTRAINT "SigningSharePair_walletId_fkey" FOREIGN KEY ("walletId") REFERENCES "Wallet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


