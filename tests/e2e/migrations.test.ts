import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../sources/config.ts';
import { createLogger } from '../../sources/monitoring/log.ts';
import { createDb, type Db } from '../../sources/storage/db.ts';
import { migrate, MigrationError, MIGRATIONS_DIR } from '../../sources/storage/migrator.ts';
import { BASELINE_MIGRATION, UPSTREAM_MIGRATIONS } from '../../sources/storage/upstreamMigrations.ts';
import { createTestDatabase, type TestDatabase } from '../harness/testDatabase.ts';

const log = createLogger('silent');
const baselineSql = () => readFile(join(MIGRATIONS_DIR, BASELINE_MIGRATION, 'migration.sql'), 'utf8');

// Every index and constraint name of the upstream schema (spec storage.md §1.2).
const UPSTREAM_INDEXES = [
    'AccessKey_accountId_idx', 'AccessKey_accountId_machineId_sessionId_key', 'AccessKey_machineId_idx', 'AccessKey_pkey',
    'AccessKey_sessionId_idx', 'AccountAuthRequest_pkey', 'AccountAuthRequest_publicKey_key', 'AccountPushToken_accountId_token_key',
    'AccountPushToken_pkey', 'Account_githubUserId_key', 'Account_pkey', 'Account_publicKey_key', 'Account_username_key',
    'Artifact_accountId_idx', 'Artifact_accountId_updatedAt_idx', 'Artifact_pkey', 'GithubOrganization_pkey', 'GithubUser_pkey',
    'GlobalLock_pkey', 'Machine_accountId_id_key', 'Machine_accountId_idx', 'Machine_pkey', 'RepeatKey_pkey',
    'ServiceAccountToken_accountId_idx', 'ServiceAccountToken_accountId_vendor_key', 'ServiceAccountToken_pkey',
    'SessionMessage_pkey', 'SessionMessage_sessionId_localId_key', 'SessionMessage_sessionId_seq_idx', 'Session_accountId_tag_key',
    'Session_accountId_updatedAt_idx', 'Session_pkey', 'SimpleCache_pkey', 'TerminalAuthRequest_pkey',
    'TerminalAuthRequest_publicKey_key', 'UploadedFile_accountId_idx', 'UploadedFile_accountId_path_key', 'UploadedFile_pkey',
    'UsageReport_accountId_idx', 'UsageReport_accountId_sessionId_key_key', 'UsageReport_pkey', 'UsageReport_sessionId_idx',
    'UserFeedItem_pkey', 'UserFeedItem_userId_counter_idx', 'UserFeedItem_userId_counter_key', 'UserFeedItem_userId_repeatKey_key',
    'UserKVStore_accountId_idx', 'UserKVStore_accountId_key_key', 'UserKVStore_pkey', 'UserRelationship_fromUserId_status_idx',
    'UserRelationship_pkey', 'UserRelationship_toUserId_status_idx', 'VoiceConversation_elevenLabsConversationId_key',
    'VoiceConversation_pkey',
];

// What this server adds on top of the upstream schema (indexes and functions; no upstream object changes).
const OUR_MIGRATIONS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
const OUR_INDEXES = [
    'Machine_active_lastActiveAt_idx', 'Session_active_lastActiveAt_idx', 'UsageReport_accountId_key_key',
    'UploadedFileMeta_pkey', 'UploadedFileMeta_accountId_reuseKey_key',
    'AccountTokenRevocation_pkey',
    'AccountUsageLimits_pkey',
];
const OUR_FUNCTIONS = ['happy_append_messages'];

const UPSTREAM_FOREIGN_KEYS = [
    'AccessKey_accountId_fkey c r', 'AccessKey_accountId_machineId_fkey c r', 'AccessKey_sessionId_fkey c r',
    'AccountAuthRequest_responseAccountId_fkey c n', 'AccountPushToken_accountId_fkey c r', 'Account_githubUserId_fkey c n',
    'Artifact_accountId_fkey c r', 'Machine_accountId_fkey c r', 'ServiceAccountToken_accountId_fkey c c',
    'SessionMessage_sessionId_fkey c r', 'Session_accountId_fkey c r', 'TerminalAuthRequest_responseAccountId_fkey c n',
    'UploadedFile_accountId_fkey c r', 'UsageReport_accountId_fkey c r', 'UsageReport_sessionId_fkey c n',
    'UserFeedItem_userId_fkey c c', 'UserKVStore_accountId_fkey c c', 'UserRelationship_fromUserId_fkey c c',
    'UserRelationship_toUserId_fkey c c', 'VoiceConversation_accountId_fkey c r',
];
const OUR_FOREIGN_KEYS = ['AccountTokenRevocation_accountId_fkey c c', 'AccountUsageLimits_accountId_fkey c c', 'UploadedFileMeta_fileId_fkey c c'];

describe('migrator', () => {
    let database: TestDatabase | undefined;
    let db: Db | undefined;
    const open = async () => {
        database = await createTestDatabase();
        db = await createDb(loadConfig({ HANDY_MASTER_SECRET: 'x', ...database.env }).database);
        return db;
    };
    afterEach(async () => {
        await db?.close();
        await database?.drop();
        db = database = undefined;
    });

    it('creates the upstream schema on an empty database and records it the way Prisma does', async () => {
        const { sql } = await open();
        expect(await migrate(sql, log)).toEqual({ applied: OUR_MIGRATIONS, adoptedUpstream: false });

        const indexes = await sql.query<{ name: string }>(
            `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations' ORDER BY 1`,
        );
        expect(indexes.map((i) => i.name).sort()).toEqual([...UPSTREAM_INDEXES, ...OUR_INDEXES].sort());
        const foreignKeys = await sql.query<{ fk: string }>(
            `SELECT conname || ' ' || confupdtype::text || ' ' || confdeltype::text AS fk FROM pg_constraint
             WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1`,
        );
        expect(foreignKeys.map((f) => f.fk).sort()).toEqual([...UPSTREAM_FOREIGN_KEYS, ...OUR_FOREIGN_KEYS].sort());
        const [enumType] = await sql.query<{ labels: string }>(
            `SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) AS labels FROM pg_enum e
             JOIN pg_type t ON t.oid = e.enumtypid
             WHERE t.typname = 'RelationshipStatus' AND t.typnamespace = current_schema()::regnamespace`,
        );
        expect(enumType?.labels).toBe('none,requested,pending,friend,rejected');
        const functions = await sql.query<{ name: string }>(
            `SELECT proname AS name FROM pg_proc WHERE pronamespace = current_schema()::regnamespace ORDER BY 1`,
        );
        expect(functions.map((f) => f.name)).toEqual(OUR_FUNCTIONS);

        const rows = await sql.query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null }>(
            `SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations"`,
        );
        expect(rows.map((row) => row.migration_name).sort()).toEqual(OUR_MIGRATIONS);
        expect(rows.find((row) => row.migration_name === BASELINE_MIGRATION)).toMatchObject({
            migration_name: BASELINE_MIGRATION,
            checksum: createHash('sha256').update(await baselineSql()).digest('hex'),
            applied_steps_count: 1,
        });
        expect(rows.every((row) => row.finished_at instanceof Date)).toBe(true);

        expect(await migrate(sql, log)).toEqual({ applied: [], adoptedUpstream: false });
    });

    it('adopts a database of the upstream server without touching its schema or data', async () => {
        const { sql } = await open();
        // What upstream's standalone runner leaves behind: the schema, a reduced history table, data.
        await sql.exec(await baselineSql());
        await sql.exec(`CREATE TABLE "_prisma_migrations" (id TEXT PRIMARY KEY, migration_name TEXT UNIQUE NOT NULL,
            finished_at TIMESTAMPTZ, started_at TIMESTAMPTZ DEFAULT now(), applied_steps_count INT DEFAULT 0, logs TEXT)`);
        for (const name of UPSTREAM_MIGRATIONS) {
            await sql.query(`INSERT INTO "_prisma_migrations" (id, migration_name, finished_at, applied_steps_count) VALUES ($1, $1, now(), 1)`, [name]);
        }
        await sql.query(`INSERT INTO "Account" (id, "publicKey", seq, "updatedAt") VALUES ('cupstream', 'ABCD', 7, now())`);

        // Only our additions run; the baseline is recorded, not executed.
        expect(await migrate(sql, log)).toEqual({ applied: OUR_MIGRATIONS.slice(1), adoptedUpstream: true });

        expect(await sql.query(`SELECT id, seq FROM "Account"`)).toEqual([{ id: 'cupstream', seq: 7 }]);
        const history = await sql.query<{ migration_name: string; applied_steps_count: number }>(
            `SELECT migration_name, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
        );
        expect(history).toHaveLength(UPSTREAM_MIGRATIONS.length + OUR_MIGRATIONS.length);
        expect(history.find((row) => row.migration_name === BASELINE_MIGRATION)?.applied_steps_count).toBe(0);
        expect(await migrate(sql, log)).toEqual({ applied: [], adoptedUpstream: false });
    });

    it('refuses a half-upgraded upstream database instead of guessing', async () => {
        const { sql } = await open();
        await migrate(sql, log);
        await sql.exec(`DELETE FROM "_prisma_migrations"`);
        for (const name of UPSTREAM_MIGRATIONS.slice(0, 10)) {
            await sql.query(
                `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES (md5($1), '', $1, now(), 1)`,
                [name],
            );
        }
        await expect(migrate(sql, log)).rejects.toThrow(MigrationError);
        await expect(migrate(sql, log)).rejects.toThrow(/10 of the 37 upstream migrations/);
    });

    it('rolls a failing migration back completely and records nothing for it', async () => {
        const { sql } = await open();
        const dir = await migrationsDirWith([
            ['20990101000000_broken', 'CREATE TABLE "Half" (id INT);\nSELECT this_function_does_not_exist();'],
        ]);
        await expect(migrate(sql, log, dir)).rejects.toThrow();
        const [half] = await sql.query<{ t: string | null }>(`SELECT to_regclass('"Half"')::text AS t`);
        expect(half?.t).toBeNull();
        const names = await sql.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`);
        expect(names.map((n) => n.migration_name).sort()).toEqual(OUR_MIGRATIONS);

        await writeFile(join(dir, '20990101000000_broken', 'migration.sql'), 'CREATE TABLE "Half" (id INT);');
        expect((await migrate(sql, log, dir)).applied).toEqual(['20990101000000_broken']);
    });
});

/** A copy of prisma/migrations plus extra migrations, in a temporary directory. */
async function migrationsDirWith(extra: Array<[string, string]>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'happy-migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    for (const [name, script] of extra) {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'migration.sql'), script);
    }
    setTimeout(() => void rm(dir, { recursive: true, force: true }), 60_000).unref();
    return dir;
}
