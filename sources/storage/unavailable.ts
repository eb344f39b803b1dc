/**
 * Whether an error means "the database cannot be reached right now" (Postgres stopped, the
 * network between us cut, the pool unable to connect in time), as opposed to a bug or a bad
 * statement. Transports answer the first with 503 (try again) and the second with 500.
 *
 * The error comes in many wrappings: node-postgres and Node's socket errors as they are, and
 * Prisma's, which wrap the driver's in `cause` chains (or, for raw statements, `meta`) and map
 * them to their own codes.
 */

/** Node socket errors on connect or mid-query. */
export const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Prisma's: P1001 cannot reach the server, P1002 timed out, P1008 operation timed out, P1017 the
 * server closed the connection, P2024 timed out waiting for a pool connection.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/** Prisma driver adapters' error kinds for the same conditions. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** Postgres SQLSTATEs: class 08 (connection exception), server shutting down or starting, too many clients. */
const isUnavailableSqlState = (code: string) => code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** node-postgres's own messages, which carry no code. */
const PG_MESSAGES = [
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
    'Query read timeout',
    'Query timeout',
    'canceling statement due to statement timeout',
];

/**
 * Prisma's P2028 (Transaction API error) when a transaction ran out of time: it could not get a
 * connection within `maxWait`, or its statements outlasted `timeout` (a database that stopped
 * answering: its own deadline may not have fired yet). Its other kinds are bugs.
 */
const TX_OUT_OF_TIME = /in the given time|on an expired transaction/;

export function isDatabaseUnavailable(error: unknown): boolean {
    const seen = new Set<unknown>();
    for (let current = error; current && typeof current === 'object' && !seen.has(current); ) {
        seen.add(current);
        const e = current as {
            code?: unknown;
            kind?: unknown;
            message?: unknown;
            name?: unknown;
            cause?: unknown;
            originalCode?: unknown;
            meta?: { driverAdapterError?: unknown };
        };
        if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PRISMA_CODES.has(e.code))) return true;
        if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && isUnavailableSqlState(e.code)) return true;
        if (typeof e.originalCode === 'string' && isUnavailableSqlState(e.originalCode)) return true;
        if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
        if (e.name === 'PrismaClientInitializationError') return true;
        if (e.code === 'P2028' && typeof e.message === 'string' && TX_OUT_OF_TIME.test(e.message)) return true;
        if (typeof e.message === 'string' && PG_MESSAGES.some((text) => (e.message as string).includes(text))) return true;
        if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
        // A failed raw statement (P2010) carries the adapter's error in `meta`, not in `cause`.
        if (e.meta?.driverAdapterError && isDatabaseUnavailable(e.meta.driverAdapterError)) return true;
        current = e.cause;
    }
    return false;
}
