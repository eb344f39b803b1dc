import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../monitoring/log.ts';
import type { SqlClient } from './sqlClient.ts';
import { BASELINE_MIGRATION, UPSTREAM_MIGRATIONS } from './upstreamMigrations.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

/** Arbitrary constant: serialises migrators of several nodes that start at once. */
const MIGRATION_LOCK_KEY = 724_113_904;

interface Migration {
    name: string;
    script: string;
    /** Prisma's checksum: SHA-256 of migration.sql, hex. */
    checksum: string;
}

interface AppliedRow {
    migration_name: string;
    checksum: string;
}

export interface MigrationReport {
    applied: string[];
    adoptedUpstream: boolean;
}

export class MigrationError extends Error {}

/**
 * Applies prisma/migrations in order, each in its own transaction together with its
 * `_prisma_migrations` row, so a failure leaves neither a half-applied schema nor a record.
 */
export async function migrate(sql: SqlClient, log: Logger, dir = MIGRATIONS_DIR): Promise<MigrationReport> {
    const migrations = await readMigrations(dir);
    // Every start of an up-to-date database: one read, no lock, no transaction (~0.1 s less).
    if (await allRecorded(sql, log, migrations)) return { applied: [], adoptedUpstream: false };
    await ensureMigrationsTable(sql);
    const adoptedUpstream = await adoptUpstreamDatabase(sql, log, migrations);
    const applied: string[] = [];
    for (const migration of migrations) {
        const ran = await sql.transaction(async (tx) => {
            await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
            const [row] = await finishedRows(tx, migration.name);
            if (row) {
                warnIfChanged(log, migration, row);
                return false;
            }
            await tx.exec(migration.script);
            await recordMigration(tx, migration, 1);
            return true;
        });
        if (ran) {
            applied.push(migration.name);
            log.info({ migration: migration.name }, 'migration applied');
        }
    }
    return { applied, adoptedUpstream };
}

/**
 * True when every migration is recorded as applied. Needs no lock: a record is never taken
 * back. False when the table is missing or is upstream's reduced one (no checksum column):
 * the full path then creates or completes it.
 */
async function allRecorded(sql: SqlClient, log: Logger, migrations: Migration[]): Promise<boolean> {
    const rows = await sql
        .query<AppliedRow>(
            `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        )
        .catch(() => null);
    const recorded = new Map(rows?.map((row) => [row.migration_name, row]));
    if (!migrations.every((migration) => recorded.has(migration.name))) return false;
    for (const migration of migrations) warnIfChanged(log, migration, recorded.get(migration.name)!);
    return true;
}

function warnIfChanged(log: Logger, migration: Migration, row: AppliedRow): void {
    if (row.checksum && row.checksum !== migration.checksum) {
        log.warn({ migration: migration.name }, 'applied migration differs from the file on disk');
    }
}

async function readMigrations(dir: string): Promise<Migration[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    return Promise.all(
        names.map(async (name) => {
            const script = await readFile(`${dir}/${name}/migration.sql`, 'utf8');
            return { name, script, checksum: createHash('sha256').update(script).digest('hex') };
        }),
    );
}

/** Prisma's own table layout, so `prisma migrate deploy` elsewhere agrees about what is applied. */
async function ensureMigrationsTable(sql: SqlClient): Promise<void> {
    await sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        await tx.exec(`
        CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
            "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
            "checksum"            VARCHAR(64) NOT NULL,
            "finished_at"         TIMESTAMPTZ,
            "migration_name"      VARCHAR(255) NOT NULL,
            "logs"                TEXT,
            "rolled_back_at"      TIMESTAMPTZ,
            "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
            "applied_steps_count" INTEGER NOT NULL DEFAULT 0
        );
        -- The upstream standalone runner created a reduced table; complete it without touching rows.
        ALTER TABLE "_prisma_migrations" ADD COLUMN IF NOT EXISTS "checksum" VARCHAR(64) NOT NULL DEFAULT '';
        ALTER TABLE "_prisma_migrations" ADD COLUMN IF NOT EXISTS "rolled_back_at" TIMESTAMPTZ;
    `);
    });
}

/**
 * An upstream database carries upstream's migration names, not ours. When every upstream
 * migration is recorded the schema equals our baseline, so the baseline is recorded as applied
 * (zero steps) and nothing else changes. Anything in between is refused rather than guessed at.
 */
async function adoptUpstreamDatabase(sql: SqlClient, log: Logger, migrations: Migration[]): Promise<boolean> {
    const baseline = migrations.find((m) => m.name === BASELINE_MIGRATION);
    if (!baseline) throw new MigrationError(`baseline migration ${BASELINE_MIGRATION} is missing`);
    return sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        if ((await finishedRows(tx, BASELINE_MIGRATION)).length > 0) return false;
        const upstream = await tx.query<{ migration_name: string }>(
            `SELECT DISTINCT migration_name FROM "_prisma_migrations"
             WHERE migration_name = ANY($1::text[]) AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
            [[...UPSTREAM_MIGRATIONS]],
        );
        if (upstream.length === UPSTREAM_MIGRATIONS.length) {
            await recordMigration(tx, baseline, 0, 'adopted: all upstream migrations were already applied');
            log.info('adopted an existing upstream database; its schema and data are unchanged');
            return true;
        }
        if (upstream.length > 0) {
            throw new MigrationError(
                `this database carries ${upstream.length} of the ${UPSTREAM_MIGRATIONS.length} upstream ` +
                    'migrations; bring it up to date with the upstream server first, then run migrate again',
            );
        }
        const [account] = await tx.query(`SELECT to_regclass('"Account"') AS t`);
        if (account?.t) {
            throw new MigrationError('the database has an "Account" table but no migration history this server knows');
        }
        return false;
    });
}

function finishedRows(sql: SqlClient, name: string): Promise<AppliedRow[]> {
    return sql.query<AppliedRow>(
        `SELECT migration_name, checksum FROM "_prisma_migrations"
         WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        [name],
    );
}

async function recordMigration(sql: SqlClient, migration: Migration, steps: number, logs: string | null = null) {
    await sql.query(
        `INSERT INTO "_prisma_migrations"
            (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, $4, now(), $5)`,
        [randomUUID(), migration.checksum, migration.name, logs, steps],
    );
}
