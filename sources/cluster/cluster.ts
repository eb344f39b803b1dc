import type { ServerOptions } from 'socket.io';
import type { Config } from '../config.ts';
import type { Logger } from '../monitoring/log.ts';
import { createRedisLink } from './redisLink.ts';
import { createRedisRequestCounters } from './redisRequestCounters.ts';
import { createRedisRevocationFeed } from './redisRevocationFeed.ts';
import { createRedisSessionStops } from './redisSessionStops.ts';
import { createRedisSweepLease } from './redisSweepLease.ts';
import { createRedisTicketNonces } from './redisTicketNonces.ts';
import { createRedisUploadRequests } from './redisUploadRequests.ts';
import { createMemoryRequestCounters, type RequestCounters } from './requestCounters.ts';
import { createMemoryRevocationFeed, type RevocationFeed } from './revocationFeed.ts';
import { createMemorySessionStops, type SessionStops } from './sessionStops.ts';
import { createStreamsAdapter } from './streamsAdapter.ts';
import { soleNodeLease, type SweepLease } from './sweepLease.ts';
import { createMemoryTicketNonces, type TicketNonces } from './ticketNonces.ts';
import { createMemoryUploadRequests, type UploadRequestLimiter } from './uploadRequests.ts';

/** Upstream's stream name; every Redis name of a cluster derives from its prefix. */
export const DEFAULT_CLUSTER_PREFIX = 'socket.io';

/** The admin CLI publishes there too when it revokes with no server running. */
export const revocationChannel = (prefix = DEFAULT_CLUSTER_PREFIX) => `${prefix}:token-revocations`;

/** 'none': a single node (no REDIS_URL), nothing to be unhealthy about. */
export type RedisHealth = 'none' | 'up' | 'down';

/**
 * What differs between one node and many: the Socket.IO adapter, the stop registry, the sweep
 * lease, the upload-request limit, the used WebSocket tickets, the token revocation feed.
 * Everything else a node keeps for itself is either correct per node (the token signature
 * cache: a signature's validity depends only on the shared master secret; revocations are
 * checked after it, from a cache the feed evicts) or per node on purpose (ActivityCache
 * debounce: writes are idempotent, GREATEST).
 */
export interface Cluster {
    /** Undefined: Socket.IO's in-memory adapter. */
    adapter: ServerOptions['adapter'] | undefined;
    sessionStops: SessionStops;
    sweepLease: SweepLease;
    uploadRequests: UploadRequestLimiter;
    ticketNonces: TicketNonces;
    revocations: RevocationFeed;
    /** The HTTP rate limits' counts (@fastify/rate-limit's store); per node while Redis is away. */
    requestCounters: RequestCounters;
    health(): Promise<RedisHealth>;
    /** redis_stream_lag_ms; undefined on a single node. */
    streamLagMs(): Promise<number | undefined>;
    close(): Promise<void>;
}

export interface ClusterOptions {
    /**
     * Stream name, channel prefix and key prefix. Tests give every cluster its own, so parallel
     * test files and streams left by earlier runs cannot interfere.
     */
    prefix?: string;
}

export function createCluster(config: Pick<Config, 'redisUrl'>, log: Logger, options: ClusterOptions = {}): Cluster {
    if (!config.redisUrl) {
        return {
            adapter: undefined,
            sessionStops: createMemorySessionStops(),
            sweepLease: soleNodeLease,
            uploadRequests: createMemoryUploadRequests(),
            ticketNonces: createMemoryTicketNonces(),
            revocations: createMemoryRevocationFeed(),
            requestCounters: createMemoryRequestCounters(),
            health: async () => 'none',
            streamLagMs: async () => undefined,
            close: async () => {},
        };
    }
    const prefix = options.prefix ?? DEFAULT_CLUSTER_PREFIX;
    if (!/^[\w.-]+$/.test(prefix)) throw new Error(`cluster prefix "${prefix}" must be letters, digits, '.', '_' or '-'`);
    const link = createRedisLink(config.redisUrl, log);
    const streams = createStreamsAdapter(link, prefix);
    return {
        adapter: streams.adapter,
        sessionStops: createRedisSessionStops(link, `${prefix}:`, log),
        sweepLease: createRedisSweepLease(link, `${prefix}:lease:presence-timeout`),
        uploadRequests: createRedisUploadRequests(link, `${prefix}:`, log),
        ticketNonces: createRedisTicketNonces(link, `${prefix}:`, log),
        revocations: createRedisRevocationFeed(link, revocationChannel(prefix), log),
        requestCounters: createRedisRequestCounters(link, `${prefix}:rate-limit:`, log, 'HTTP rate limits'),
        health: async () => ((await link.ping()) ? 'up' : 'down'),
        streamLagMs: () => streams.lagMs(),
        async close() {
            // The read loop must stop before its connection is cut, or it would retry in a loop.
            streams.close();
            await link.close();
        },
    };
}
