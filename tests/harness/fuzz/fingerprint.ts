import type { Db } from '../../../sources/storage/db.ts';

/**
 * Columns that change with no request asking: presence (the activity cache flushes heartbeats
 * whenever it likes) and the timestamps Prisma bumps alongside it.
 */
const VOLATILE = ['active', 'lastActiveAt', 'updatedAt', 'lastUsedAt'];

/** A hash per table of every row (less the volatile columns): two equal prints, no write between. */
export type Fingerprint = Record<string, string>;

/**
 * Reads the tables of the server's own schema once, then prints them all in one statement. Cheap
 * enough per fuzz case on the small databases of a test run.
 */
export async function fingerprinter(db: Db): Promise<() => Promise<Fingerprint>> {
    const tables = await db.sql.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
         ORDER BY table_name`,
    );
    const row = `(to_jsonb(t) ${VOLATILE.map((column) => `- '${column}'`).join(' ')})::text`;
    const statement = tables
        .map(({ name }) => `SELECT '${name}' AS name, md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS hash FROM "${name}" t`)
        .join(' UNION ALL ');
    return async () => {
        const rows = await db.sql.query<{ name: string; hash: string }>(statement);
        return Object.fromEntries(rows.map(({ name, hash }) => [name, hash]));
    };
}

/** The tables whose rows differ between two prints. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
    return Object.keys(after).filter((name) => before[name] !== after[name]);
}
