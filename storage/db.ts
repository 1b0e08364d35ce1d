/**
 * The database module: the generated Prisma client (prisma/schema.prisma → generated/prisma, `prisma generate`)
 * over node-postgres through the Prisma 7 driver adapter.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';

export type * from '../generated/prisma/client.js';
export { Prisma, PrismaClient };

/** A PrismaClient on `databaseUrl` (postgres://…). Call `$disconnect()` when done. */
export function createPrisma(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, ...(options.max ? { max: options.max } : {}) });
  return new PrismaClient({ adapter });
}

/** Plain decimal string of a Prisma Decimal (`toString()` switches to exponent notation, e.g. "1e+21"). */
export function decimalToString(d: Prisma.Decimal): string {
  return d.toFixed();
}
