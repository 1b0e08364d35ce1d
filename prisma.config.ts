// Prisma 7 configuration: schema and migrations locations, and the database the CLI's migrate/db commands use.
// DATABASE_URL may be unset for commands that need no database (`prisma generate`, `validate`, `format`).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
