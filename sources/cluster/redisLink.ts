import { Redis, type Command, type RedisOptions } from 'ioredis';
import type { Logger } from '../monitoring/log.ts';

/**
 * A command on the shared connection that takes longer than this fails, and its caller falls
 * back (local delivery, local stop registry): a hung Redis must not hold up this node's sockets.
 */
const COMMAND_TIMEOUT_MS = 2_000;
/**
 * A connection with a command outstanding and no byte received for this long is taken for dead
 * (a half-open TCP connection gives no error) and reconnected. The adapter's XREAD legitimately
 * waits up to its 5 s block time, hence the longer value for the connections it duplicates.
 */
const SILENCE_LIMIT_MS = 5_000;
const BLOCKING_SILENCE_LIMIT_MS = 15_000;
/** Reconnect backoff ceiling: a node notices a returning Redis within about this long. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * This node's connections to Redis: one for commands (XADD, PUBLISH, stops, lease), plus the
 * ones the Socket.IO adapter duplicates from it for its blocking XREAD loop and for SUBSCRIBE,
 * so reads never block publishes (upstream shared one connection, storage.md R9). No other
 * connection is opened; readiness pings go over the command connection.
 */
export interface RedisLink {
    readonly commands: Redis;
    /** Every connection is established (the others try to reconnect on their own meanwhile). */
    readonly up: boolean;
    /** `up` and a PING answered on the command connection in time (catches a hung server). */
    ping(): Promise<boolean>;
    close(): Promise<void>;
}

/** What the connections of one link share. */
interface LinkState {
    url: string;
    log: Logger;
    members: Set<LinkedRedis>;
    changed(): void;
    failed(error: Error): void;
}

/**
 * ioredis with two adjustments the adapter needs, since it takes a client and duplicates it:
 * duplicates join the link (so they are watched and closed with it) and wait out an outage
 * instead of failing fast (the adapter retries a failed XREAD at once, which would spin); and no
 * command's rejection goes unhandled, because the adapter fires some without awaiting them
 * (persistSession's SET, SUBSCRIBE) and an unhandled rejection would be logged as a crash.
 */
class LinkedRedis extends Redis {
    readonly #link: LinkState;

    constructor(options: RedisOptions, link: LinkState) {
        super(link.url, options);
        this.#link = link;
        link.members.add(this);
        this.on('error', link.failed);
        this.on('ready', link.changed);
        this.on('close', link.changed);
    }

    override duplicate(override?: Partial<RedisOptions>): Redis {
        const options = {
            ...this.options,
            ...override,
            enableOfflineQueue: true,
            maxRetriesPerRequest: null,
            socketTimeout: BLOCKING_SILENCE_LIMIT_MS,
        };
        delete options.commandTimeout;
        return new LinkedRedis(options, this.#link);
    }

    override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
        const result = super.sendCommand(command, stream);
        (result as Promise<unknown>).catch(() => {});
        return result;
    }
}

export function createRedisLink(url: string, log: Logger): RedisLink {
    let up = false;
    let closing = false;
    // Each failed reconnect attempt of each connection emits 'error': an outage is logged once.
    let reported = false;
    const link: LinkState = {
        url,
        log,
        members: new Set(),
        changed() {
            up = [...link.members].every((client) => client.status === 'ready');
            if (!up || !reported) return;
            reported = false;
            log.info('redis reachable again: cross-node events, RPC and stops restored');
        },
        failed(error) {
            if (reported || closing) return;
            reported = true;
            log.error({ err: error }, 'redis unreachable: serving local sockets only (no cross-node events, RPC or stops) until it returns');
        },
    };
    const commands = new LinkedRedis(
        {
            // Fail at once while disconnected: the adapter delivers to local sockets only after
            // its XADD settles, so a queued XADD would hold local delivery for the whole outage.
            enableOfflineQueue: false,
            commandTimeout: COMMAND_TIMEOUT_MS,
            socketTimeout: SILENCE_LIMIT_MS,
            retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
        },
        link,
    );
    return {
        commands,
        get up() {
            return up;
        },
        async ping() {
            if (!up) return false;
            return commands.ping().then(() => true, () => false);
        },
        async close() {
            closing = true;
            // QUIT lets replies already on their way (a last persisted session) land; the
            // duplicates may sit in a blocking XREAD, so they are cut.
            await commands.quit().catch(() => commands.disconnect());
            for (const client of link.members) if (client !== commands) client.disconnect();
        },
    };
}
