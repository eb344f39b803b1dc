import { Gauge } from 'prom-client';
import type { Cluster } from '../cluster/cluster.ts';
import type { Db, PoolStats } from '../storage/db.ts';
import { withTimeout } from '../utils/withTimeout.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

/** Upstream refreshed the row estimates every 60 s; a scrape in between reuses the last read. */
const RECORDS_REFRESH_MS = 60_000;
/** A scrape never waits longer than this for the database or Redis. */
const SOURCE_TIMEOUT_MS = 2_000;

const TABLES = { accounts: 'Account', sessions: 'Session', messages: 'SessionMessage', machines: 'Machine' } as const;

interface Sources {
    db: Pick<Db, 'sql' | 'poolStats'>;
    cluster: Pick<Cluster, 'streamLagMs'>;
    log: Logger;
}

/**
 * The series read from the database and Redis when Prometheus scrapes. A source that fails or
 * hangs leaves its series at the last value and the rest of the scrape intact (upstream failed
 * the whole scrape when Prisma's metrics did, spec storage.md R14).
 */
export function registerCollectors(metrics: Metrics, { db, cluster, log }: Sources): void {
    const registers = [metrics.registry];
    // Warned once per outage, not on every scrape.
    const failing = new Set<string>();
    const guarded = async (what: string, read: () => Promise<void>) => {
        try {
            await withTimeout(read(), SOURCE_TIMEOUT_MS);
            failing.delete(what);
        } catch (error) {
            if (failing.has(what)) return;
            failing.add(what);
            log.warn({ err: error, source: what }, 'metrics source unavailable; its series keep their last value');
        }
    };

    let recordsReadAt = -Infinity;
    new Gauge({
        name: 'database_records_total',
        help: 'Estimated rows per table (catalog statistics, refreshed at most every 60 s)',
        labelNames: ['table'],
        registers,
        async collect() {
            if (Date.now() - recordsReadAt < RECORDS_REFRESH_MS) return;
            await guarded('database_records_total', async () => {
                const rows = await db.sql.query<{ name: string; rows: string }>(
                    `SELECT c.relname AS name, GREATEST(c.reltuples, 0)::bigint AS rows FROM pg_class c
                     WHERE c.oid IN (${Object.values(TABLES).map((t) => `to_regclass('"${t}"')`).join(', ')})`,
                );
                for (const [label, table] of Object.entries(TABLES)) {
                    this.set({ table: label }, Number(rows.find((row) => row.name === table)?.rows ?? 0));
                }
                recordsReadAt = Date.now();
            });
        },
    });

    const pool = (name: string, help: string, value: (stats: PoolStats) => number) =>
        new Gauge({
            name,
            help,
            registers,
            async collect() {
                this.set(value(db.poolStats?.() ?? (await pgliteStats(metrics))));
            },
        });
    pool('prisma_pool_connections_open', 'Open database connections', (s) => s.open);
    pool('prisma_pool_connections_idle', 'Idle database connections', (s) => s.idle);
    pool('prisma_pool_connections_busy', 'Database connections running a statement', (s) => s.open - s.idle);
    pool('prisma_client_queries_wait', 'Statements waiting for a pooled connection', (s) => s.waiting);

    new Gauge({
        name: 'redis_stream_lag_ms',
        help: 'How far (ms) this node reads behind the head of the Redis stream; 0 on a single node',
        registers,
        async collect() {
            await guarded('redis_stream_lag_ms', async () => {
                const lag = await cluster.streamLagMs();
                if (lag !== undefined) this.set(lag);
            });
        },
    });
}

/** PGlite is one in-process connection: busy while a statement runs, the others wait for it. */
async function pgliteStats(metrics: Metrics): Promise<PoolStats> {
    const active = (await metrics.queriesActive.get()).values[0]?.value ?? 0;
    return { open: 1, idle: active > 0 ? 0 : 1, waiting: Math.max(0, active - 1) };
}
