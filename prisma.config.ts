import { defineConfig } from 'prisma/config';

// Only `prisma generate` uses this file: the server applies prisma/migrations itself
// (sources/storage/migrator.ts) and connects through driver adapters.
export default defineConfig({
    schema: 'prisma/schema.prisma',
    migrations: { path: 'prisma/migrations' },
});
