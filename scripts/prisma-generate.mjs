// Runs `prisma generate` without Prisma's downloaded engines. Prisma 7's client needs no
// engine binary (driver adapters), but the CLI still insists that a schema engine path
// exists; any existing file satisfies that check, and generation never executes it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (!existsSync(new URL('../prisma/schema.prisma', import.meta.url))) process.exit(0);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
