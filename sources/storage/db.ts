import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { SqlClient } from './sqlClient.ts';

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Db {
    readonly kind: DatabaseConfig['kind'];
    readonly prisma: Prisma;
    readonly sql: SqlClient;
    close(): Promise<void>;
}

/** Opens the configured database. Both kinds run in UTC: TIMESTAMP(3) columns carry no zone. */
export async function createDb(config: DatabaseConfig): Promise<Db> {
    return config.kind === 'pglite' ? openPglite(config.dir) : openPostgres(config.url, config.schema);
}

async function openPglite(dir: string): Promise<Db> {
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    const pglite = new PGlite(dir);
    await pglite.waitReady;
    await pglite.exec(`SET TIME ZONE 'UTC'`);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    const sql = pgliteSql(pglite);
    return {
        kind: 'pglite',
        prisma,
        sql,
        async close() {
            await prisma.$disconnect();
            await pglite.close();
        },
    };
}

type PgliteQueryable = Pick<PGlite, 'query' | 'exec'>;

/** PGlite keeps one session in this thread; statement names are not needed to plan once. */
function pgliteSql(client: PgliteQueryable & Partial<Pick<PGlite, 'transaction'>>): SqlClient {
    return {
        async query<Row>(text: string, params?: unknown[]) {
            return (await client.query<Row>(text, params)).rows;
        },
        async exec(script: string) {
            await client.exec(script);
        },
        async transaction<T>(fn: (sql: SqlClient) => Promise<T>) {
            if (!client.transaction) throw new Error('nested transactions are not supported');
            return client.transaction((tx) => fn(pgliteSql(tx)));
        },
    };
}

async function openPostgres(url: string, schema: string): Promise<Db> {
    const pool = new pg.Pool({
        connectionString: url,
        options: `-c search_path="${schema}" -c TimeZone=UTC`,
        max: 10,
    });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
    return {
        kind: 'postgres',
        prisma,
        sql: poolSql(pool),
        async close() {
            await prisma.$disconnect();
            await pool.end();
        },
    };
}

function poolSql(pool: pg.Pool): SqlClient {
    return {
        ...pgQueryable(pool),
        async transaction<T>(fn: (sql: SqlClient) => Promise<T>) {
            const conn = await pool.connect();
            try {
                await conn.query('BEGIN');
                const result = await fn({
                    ...pgQueryable(conn),
                    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
                });
                await conn.query('COMMIT');
                return result;
            } catch (error) {
                await conn.query('ROLLBACK').catch(() => {});
                throw error;
            } finally {
                conn.release();
            }
        },
    };
}

function pgQueryable(client: pg.Pool | pg.PoolClient): Omit<SqlClient, 'transaction'> {
    return {
        async query<Row>(text: string, params?: unknown[], name?: string) {
            return (await client.query(name ? { name, text, values: params } : { text, values: params })).rows as Row[];
        },
        async exec(script: string) {
            await client.query(script);
        },
    };
}
