/**
 * Builds the long-lived dependencies shared by the API and the worker from configuration:
 * database, chain registry, signer, wallet service, Temporal data converter.
 */
import { createHash } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { ChainRegistry } from '../chains/registry.js';
import type { AppConfig } from '../config/env.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DevSigner } from '../signer/dev-signer.js';
import { createSealer } from '../signer/sealer.js';
import type { Signer } from '../signer/types.js';
import { createPrisma } from '../storage/db.js';
import { PrismaSealedKeyStore } from '../storage/key-shares.js';
import { EncryptionCodec, codecKeyFrom, parseKey } from '../temporal/codec.js';
import { WalletService } from '../wallets/service.js';

export interface Runtime {
  prisma: PrismaClient;
  chains: ChainRegistry;
  signer: Signer;
  wallets: WalletService;
  dataConverter: DataConverter;
  close(): Promise<void>;
}

export function buildRuntime(config: AppConfig, overrides: { chains?: ChainRegistry } = {}): Runtime {
  if (!config.MASTER_KEY) throw new Error('MASTER_KEY is required (32 bytes as 64 hex chars or base64)');
  const masterKey = parseKey(config.MASTER_KEY);
  const masterKeyId = `local:${createHash('sha256').update(masterKey).digest('hex').slice(0, 16)}`;
  const prisma = createPrisma(config.DATABASE_URL);
  const chains = overrides.chains ?? new ChainRegistry();
  const signer = new DevSigner(createSealer(masterKey, masterKeyId), new PrismaSealedKeyStore(prisma));
  const wallets = new WalletService(prisma, chains, signer);
  const dataConverter: DataConverter = { payloadCodecs: [new EncryptionCodec(codecKeyFrom(config))] };
  return { prisma, chains, signer, wallets, dataConverter, close: () => prisma.$disconnect() };
}
