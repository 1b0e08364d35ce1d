// Prisma 7 configuration: schema and migrations locations, and the database the CLI's migrate/db commands use.
// DATABASE_URL may be unset for commands that need no database (`prisma generate`, `validate`, `format`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// The CLI cannot download its native schema engine here: it runs the Wasm build it ships instead, behind a
// stand-in executable (see scripts/prisma-schema-engine/engine.mjs). An explicitly set path wins.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(
  new URL('./scripts/prisma-schema-engine/engine.mjs', import.meta.url),
);

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
