import { z } from 'zod';

/**
 * Abuse limits (issue 13 §5), all optional with defaults that ordinary clients never reach: the
 * CLI's heartbeats and message bursts, the app's start-up, a pairing poll every second. Upstream
 * had none of these (spec rest.md §1.11, weak spot 14); the Workers variant's answers are kept
 * where it has them (429 `{error:'Rate limit exceeded', retryAfter}` with Retry-After, the
 * ticket's 10 per minute, spec workers.md §2.3).
 */
export interface LimitsConfig {
    /** Requests per minute, per client address (ip) or per account (user); 0 turns a class off. */
    http: Record<RateLimitClass, number>;
    /** Fastify's trustProxy: which proxies' X-Forwarded-For names the client (per-address limits). */
    trustProxy: boolean | string | ((address: string, hop: number) => boolean);
    /** Per socket: a token bucket of `burst` events refilled at `perSecond`; `disconnectAfter`
     * refused events within 10 s end the connection (0: never). */
    socketEvents: { perSecond: number; burst: number; disconnectAfter: number };
    /** Sockets per account over every node, both protocols (native ones also: WS_MAX_CONNECTIONS_PER_ACCOUNT). */
    socketMaxConnectionsPerAccount: number;
    /** Node's HTTP server timeouts against slow clients (ms; 0 turns the idle one off). */
    timeouts: { requestMs: number; headersMs: number; keepAliveMs: number; idleMs: number };
}

export type RateLimitClass = 'auth' | 'pairing' | 'search' | 'push' | 'uploads' | 'wsTicket';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const count = (fallback: number, max = 1_000_000) =>
    z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(max).default(fallback));
const ms = (fallback: number, min: number) =>
    z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(3_600_000).default(fallback));

/** Merged into config.ts's environment schema. */
export const limitsEnvShape = {
    RATE_LIMIT_AUTH_PER_MINUTE: count(60),
    RATE_LIMIT_PAIRING_PER_MINUTE: count(300),
    RATE_LIMIT_SEARCH_PER_MINUTE: count(120),
    RATE_LIMIT_PUSH_PER_MINUTE: count(120),
    RATE_LIMIT_UPLOADS_PER_MINUTE: count(120),
    RATE_LIMIT_WS_TICKET_PER_MINUTE: count(10),
    TRUST_PROXY: z.preprocess(
        emptyAsUndefined,
        z
            .string()
            .regex(/^(true|false|\d+|[0-9A-Fa-f:.\/]+(\s*,\s*[0-9A-Fa-f:.\/]+)*)$/, 'must be true, false, a hop count or a comma-separated list of addresses/CIDRs')
            .default('false'),
    ),
    // Above what one socket of the message benchmark sustains (20 senders share ~20k messages/s:
    // ~1000 each), far above a CLI's; a flood past it is refused before any handler runs.
    SOCKET_EVENTS_PER_SECOND: z.preprocess(emptyAsUndefined, z.coerce.number().positive().max(1_000_000).default(2000)),
    SOCKET_EVENT_BURST: count(4000),
    SOCKET_FLOOD_DISCONNECT_AFTER: count(2000),
    SOCKET_MAX_CONNECTIONS_PER_ACCOUNT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(1_000_000).default(1000)),
    HTTP_REQUEST_TIMEOUT_MS: ms(120_000, 1000),
    HTTP_HEADERS_TIMEOUT_MS: ms(60_000, 1000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: ms(72_000, 1000),
    HTTP_IDLE_TIMEOUT_MS: ms(300_000, 0),
};

type LimitsEnv = { [K in keyof typeof limitsEnvShape]: z.output<(typeof limitsEnvShape)[K]> };

export function limitsConfig(e: LimitsEnv): LimitsConfig {
    return {
        http: {
            auth: e.RATE_LIMIT_AUTH_PER_MINUTE,
            pairing: e.RATE_LIMIT_PAIRING_PER_MINUTE,
            search: e.RATE_LIMIT_SEARCH_PER_MINUTE,
            push: e.RATE_LIMIT_PUSH_PER_MINUTE,
            uploads: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
            wsTicket: e.RATE_LIMIT_WS_TICKET_PER_MINUTE,
        },
        trustProxy: trustProxy(e.TRUST_PROXY),
        socketEvents: { perSecond: e.SOCKET_EVENTS_PER_SECOND, burst: Math.max(1, e.SOCKET_EVENT_BURST), disconnectAfter: e.SOCKET_FLOOD_DISCONNECT_AFTER },
        socketMaxConnectionsPerAccount: e.SOCKET_MAX_CONNECTIONS_PER_ACCOUNT,
        timeouts: {
            requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
            // Node requires headersTimeout <= requestTimeout.
            headersMs: Math.min(e.HTTP_HEADERS_TIMEOUT_MS, e.HTTP_REQUEST_TIMEOUT_MS),
            keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
            idleMs: e.HTTP_IDLE_TIMEOUT_MS,
        },
    };
}

function trustProxy(value: string): LimitsConfig['trustProxy'] {
    if (value === 'true') return true;
    if (value === 'false') return false;
    // A hop count: the address that many proxies back (Fastify's own reading of a number).
    if (/^\d+$/.test(value)) {
        const hops = Number(value);
        return (_address, hop) => hop < hops;
    }
    return value.replace(/\s+/g, '');
}
