import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { timeAdapter, timeSql, type QueryTimer } from '../monitoring/queryTiming.ts';
import type { SqlClient } from './sqlClient.ts';

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Db {
    readonly kind: DatabaseConfig['kind'];
    readonly prisma: Prisma;
    readonly sql: SqlClient;
    /** Connections of the Postgres pool (PGlite has exactly one, always open). */
    poolStats?(): PoolStats;
    close(): Promise<void>;
}

export interface PoolStats {
    open: number;
    idle: number;
    waiting: number;
}

/** How long a request waits for a Postgres connection before it fails (503). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Runs each statement as is; metrics pass their own timer. */
const untimed: QueryTimer = (run) => run();

/**
 * Opens the configured database. Both kinds run in UTC: TIMESTAMP(3) columns carry no zone.
 * `time` sees every statement, Prisma's and the raw ones (metrics). Prisma's errors are
 * `minimal`: its other formats print the failed call with its arguments, which would carry
 * keys and ciphertext into the logs.
 */
export async function createDb(config: DatabaseConfig, time: QueryTimer = untimed): Promise<Db> {
    return config.kind === 'pglite' ? openPglite(config.dir, time) : openPostgres(config.url, config.schema, time);
}

async function openPglite(dir: string, time: QueryTimer): Promise<Db> {
    // Each kind loads only its own driver: start-up does not pay for the other (~50 ms).
    const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    const pglite = new PGlite(dir);
    await pglite.waitReady;
    await pglite.exec(`SET TIME ZONE 'UTC'`);
    const prisma = new PrismaClient({ adapter: timeAdapter(new PrismaPGlite(pglite), time), errorFormat: 'minimal' });
    const sql = timeSql(pgliteSql(pglite), time);
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

async function openPostgres(url: string, schema: string, time: QueryTimer): Promise<Db> {
    const [{ PrismaPg }, { default: pg }] = await Promise.all([import('@prisma/adapter-pg'), import('pg')]);
    const pool = new pg.Pool({
        connectionString: url,
        options: `-c search_path="${schema}" -c TimeZone=UTC`,
        max: 10,
        // Fail fast in an outage: a request waits this long for a connection (a new one, or a
        // free one of the pool), then fails with a 503, instead of hanging until its client
        // gives up. Keep-alive finds a connection whose peer vanished without a word.
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
    });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: timeAdapter(new PrismaPg(pool, { schema }), time), errorFormat: 'minimal' });
    return {
        kind: 'postgres',
        prisma,
        sql: timeSql(poolSql(pool), time),
        poolStats: () => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
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
