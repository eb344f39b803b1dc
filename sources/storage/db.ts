import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { PrismaClient } from '../generated/prisma/client.ts';
import { timeAdapter, timeSql, type QueryTimer } from '../monitoring/queryTiming.ts';
import { deadlineClient, NO_DEADLINE_MS } from './deadlineClient.ts';
import type { SqlClient } from './sqlClient.ts';

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Db {
    readonly kind: DatabaseConfig['kind'];
    readonly prisma: Prisma;
    /** Statements of requests: each bounded by the database's `queryTimeoutMs` (Postgres). */
    readonly sql: SqlClient;
    /**
     * The same database with no statement deadline, for work whose statements may rightly run
     * for minutes: migrations, backup, restore.
     */
    readonly longSql: SqlClient;
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
/** Idle time before TCP keep-alive probes start (the system default is two hours). */
const KEEP_ALIVE_DELAY_MS = 10_000;

/** Runs each statement as is; metrics pass their own timer. */
const untimed: QueryTimer = (run) => run();

/**
 * Opens the configured database. Both kinds run in UTC: TIMESTAMP(3) columns carry no zone.
 * `time` sees every statement, Prisma's and the raw ones (metrics). Prisma's errors are
 * `minimal`: its other formats print the failed call with its arguments, which would carry
 * keys and ciphertext into the logs.
 */
export async function createDb(config: DatabaseConfig, time: QueryTimer = untimed): Promise<Db> {
    return config.kind === 'pglite' ? openPglite(config.dir, time) : openPostgres(config, time);
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
        longSql: sql,
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

async function openPostgres({ url, schema, queryTimeoutMs }: Extract<DatabaseConfig, { kind: 'postgres' }>, time: QueryTimer): Promise<Db> {
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
        keepAliveInitialDelayMillis: KEEP_ALIVE_DELAY_MS,
        // A database that accepts connections but stops answering (a network black hole, a
        // hung server) is only found by a deadline: a statement unanswered this long fails
        // (503) and its connection is closed (deadlineClient.ts). Prisma's statements too.
        ...(queryTimeoutMs > 0 && { query_timeout: queryTimeoutMs }),
        Client: deadlineClient(pg.Client),
    });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const prisma = new PrismaClient({ adapter: timeAdapter(new PrismaPg(pool, { schema }), time), errorFormat: 'minimal' });
    return {
        kind: 'postgres',
        prisma,
        sql: timeSql(poolSql(pool), time),
        longSql: timeSql(poolSql(pool, { query_timeout: NO_DEADLINE_MS }), time),
        poolStats: () => ({ open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
        async close() {
            await prisma.$disconnect();
            await pool.end();
        },
    };
}

/** `deadline` overrides the pool's `query_timeout` per statement (longSql's none). */
type Deadline = { query_timeout?: number };

function poolSql(pool: pg.Pool, deadline: Deadline = {}): SqlClient {
    return {
        ...pgQueryable(pool, deadline),
        async transaction<T>(fn: (sql: SqlClient) => Promise<T>) {
            const conn = await pool.connect();
            let broken: Error | undefined;
            try {
                await conn.query({ text: 'BEGIN', ...deadline });
                const result = await fn({
                    ...pgQueryable(conn, deadline),
                    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
                });
                await conn.query({ text: 'COMMIT', ...deadline });
                return result;
            } catch (error) {
                // A connection that cannot even roll back is not given to the next caller.
                await conn.query({ text: 'ROLLBACK', ...deadline }).catch((rollbackError: Error) => (broken = rollbackError));
                throw error;
            } finally {
                conn.release(broken);
            }
        },
    };
}

function pgQueryable(client: pg.Pool | pg.PoolClient, deadline: Deadline): Omit<SqlClient, 'transaction'> {
    return {
        async query<Row>(text: string, params?: unknown[], name?: string) {
            return (await client.query({ ...(name && { name }), text, values: params, ...deadline })).rows as Row[];
        },
        async exec(script: string) {
            await client.query({ text: script, ...deadline });
        },
    };
}
