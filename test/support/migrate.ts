/** Applies prisma/migrations to a fresh test database. Replaced by the Prisma CLI path once it exists. */
export async function migrateDatabase(_url: string): Promise<void> {}
