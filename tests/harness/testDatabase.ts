import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where a test server keeps its data: an in-memory (or directory) PGlite by default, or a
 * schema of its own on TEST_DATABASE_URL when the suite runs as the `postgres` project.
 */
export interface TestDatabase {
    /** Environment variables that select this database for loadConfig. */
    env: Record<string, string>;
    drop(): Promise<void>;
}

export const usesPostgres = () => process.env.TEST_DB === 'postgres';

export async function createTestDatabase(pgliteDir = 'memory://'): Promise<TestDatabase> {
    if (!usesPostgres()) return { env: { PGLITE_DIR: pgliteDir }, drop: async () => {} };
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    await adminQuery(url, `CREATE SCHEMA "${schema}"`);
    const withSchema = new URL(url);
    withSchema.searchParams.set('schema', schema);
    return {
        env: { DATABASE_URL: withSchema.toString() },
        drop: () => adminQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`),
    };
}

async function adminQuery(url: string, sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
        await client.query(sql);
    } finally {
        await client.end();
    }
}
