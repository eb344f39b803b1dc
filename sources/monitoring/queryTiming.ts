import type { SqlClient } from '../storage/sqlClient.ts';
import type { Metrics } from './metrics.ts';

/** Runs one database statement and records it. */
export type QueryTimer = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * Prisma 7 has no metrics of its own (its engine's `$metrics` went with the engine), so every
 * statement is timed where it leaves for the driver: in Prisma's driver adapter and in the raw
 * SQL seam of the hot paths. Both feed upstream's Prisma series names.
 */
export function queryTimer(metrics: Pick<Metrics, 'queries' | 'queriesActive' | 'queryDuration'>): QueryTimer {
    return async (run) => {
        const started = performance.now();
        metrics.queriesActive.inc();
        try {
            return await run();
        } finally {
            metrics.queriesActive.dec();
            metrics.queries.inc();
            metrics.queryDuration.observe(performance.now() - started);
        }
    };
}

/** The statement methods of Prisma's driver adapter interface (SqlQueryable, SqlDriverAdapter). */
const STATEMENTS = new Set<PropertyKey>(['queryRaw', 'executeRaw', 'executeScript']);
/** Methods that hand out another queryable: the connection, and each transaction. */
const QUERYABLES = new Set<PropertyKey>(['connect', 'startTransaction']);

/**
 * A Prisma driver adapter factory (PrismaPg, PrismaPGlite) whose connections and transactions
 * time every statement. Everything else passes through, bound to the real object (the adapters
 * keep private fields a bare proxy could not reach).
 */
export function timeAdapter<Adapter extends object>(adapter: Adapter, time: QueryTimer): Adapter {
    return new Proxy(adapter, {
        get(target, property) {
            const value: unknown = Reflect.get(target, property, target);
            if (typeof value !== 'function') return value;
            if (STATEMENTS.has(property)) return (...args: unknown[]) => time(() => value.apply(target, args));
            if (QUERYABLES.has(property)) {
                return async (...args: unknown[]) => timeAdapter(await value.apply(target, args), time);
            }
            return value.bind(target);
        },
    });
}

export function timeSql(sql: SqlClient, time: QueryTimer): SqlClient {
    return {
        query: <Row>(text: string, params?: unknown[], name?: string) => time(() => sql.query<Row>(text, params, name)),
        exec: (script) => time(() => sql.exec(script)),
        transaction: (fn) => sql.transaction((tx) => fn(timeSql(tx, time))),
    };
}
