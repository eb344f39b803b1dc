import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { callAdmin, readJson } from '../admin/adminSocket.ts';
import { describeConfig, type Check } from '../admin/setupReport.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createBlobStore } from '../files/blobStore.ts';
import { createDb } from '../storage/db.ts';
import { MIGRATIONS_DIR } from '../storage/migrator.ts';
import { withTimeout } from '../utils/withTimeout.ts';

/** A dependency that does not answer within this long is reported as down. */
const CHECK_TIMEOUT_MS = 5_000;

/**
 * `doctor`: the configuration, then each dependency. A running server (found on the admin
 * socket) reports what it sees, since the embedded database cannot be opened twice; without
 * one, each dependency is checked from here. A failure names the part and the reason.
 */
export async function doctor(env: Record<string, string | undefined> = process.env): Promise<Check[]> {
    let config: Config;
    try {
        config = loadConfig(env);
    } catch (error) {
        if (error instanceof ConfigError) return [{ part: 'configuration', ok: false, detail: error.message }];
        throw error;
    }
    const configuration: Check = { part: 'configuration', ok: true, detail: `valid (DATA_DIR ${config.dataDir}, port ${config.port})` };
    const server = await callAdmin(config.dataDir, 'GET', '/doctor');
    if (server) return [configuration, ...(await readJson<Check[]>(server.body))];
    const where = describeConfig(config);
    const settle = async (part: Check['part'], check: () => Promise<string>): Promise<Check> => {
        try {
            return { part, ok: true, detail: `${where[part as keyof typeof where]}: ${await withTimeout(check(), CHECK_TIMEOUT_MS)}` };
        } catch (error) {
            return { part, ok: false, detail: `${where[part as keyof typeof where]}: ${error instanceof Error ? error.message : String(error)}` };
        }
    };
    return [
        configuration,
        { part: 'server', ok: true, detail: `not running with DATA_DIR ${config.dataDir} (dependencies checked from here)` },
        await settle('database', () => checkDatabase(config)),
        await settle('redis', () => checkRedis(config.redisUrl)),
        await settle('blobStore', () => checkBlobStore(config)),
    ];
}

export function printChecks(checks: Check[], out: (line: string) => void): boolean {
    for (const check of checks) out(`${check.ok ? 'ok  ' : 'FAIL'} ${check.part}: ${check.detail}`);
    return checks.every((check) => check.ok);
}

async function checkDatabase(config: Config): Promise<string> {
    // Opening PGlite creates its directory: an embedded setup that never started stays untouched.
    if (config.database.kind === 'pglite' && !config.database.dir.startsWith('memory://')) {
        const exists = await access(join(config.database.dir, 'PG_VERSION')).then(() => true, () => false);
        if (!exists) return 'not created yet (the first start creates it)';
    }
    const db = await createDb(config.database);
    try {
        await db.sql.query('SELECT 1');
        const recorded = await db.sql
            .query<{ name: string }>(`SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)
            .catch(() => []);
        const known = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((entry) => entry.isDirectory());
        const names = new Set(recorded.map((row) => row.name));
        const pending = known.filter((entry) => !names.has(entry.name)).length;
        return pending === 0 ? 'reachable, schema up to date' : `reachable, ${pending} migration(s) to apply (serve applies them, or run migrate)`;
    } finally {
        await db.close();
    }
}

async function checkRedis(url: string | undefined): Promise<string> {
    if (!url) return 'not used';
    const client = new Redis(url, { lazyConnect: true, connectTimeout: CHECK_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let failure: Error | undefined;
    client.on('error', (error: Error) => (failure = error)); // ioredis's own rejection only says "Connection is closed"
    try {
        await client.connect().catch((error: unknown) => {
            throw failure ?? error;
        });
        await client.ping();
        return 'reachable';
    } finally {
        client.disconnect();
    }
}

async function checkBlobStore(config: Config): Promise<string> {
    const store = await createBlobStore(config.files);
    try {
        await store.init();
        if (!(await store.health())) throw new Error('does not answer');
        return 'reachable';
    } finally {
        await store.close();
    }
}
