import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ClientLabeler, RpcMethodLabeler } from './labels.ts';

const CLIENT = ['client', 'client_type'] as const;

/**
 * One registry per server (tests run several in one process), never prom-client's global one.
 * Names, types, labels and buckets of upstream's series are kept as they are (spec storage.md
 * §6.1-§6.2), so dashboards built for upstream keep working, including the misnamed gauge
 * `websocket_connections_total`. Every series carries `app="happy-server"`. The series read from
 * the database and Redis at scrape time are in collectors.ts.
 */
export function createMetrics() {
    const registry = new Registry();
    registry.setDefaultLabels({ app: 'happy-server' });
    collectDefaultMetrics({ register: registry });

    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
        new Counter<L>({ name, help, labelNames, registers: [registry] });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
        new Gauge<L>({ name, help, labelNames, registers: [registry] });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
        new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });

    return {
        registry,
        clients: new ClientLabeler(),
        rpcMethods: new RpcMethodLabeler(),

        httpRequests: counter('http_requests_total', 'HTTP requests', ['method', 'route', 'status', ...CLIENT]),
        httpDuration: histogram('http_request_duration_seconds', 'HTTP request duration', ['method', 'route', 'status', ...CLIENT], [
            0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
        ]),

        websocketConnections: gauge('websocket_connections_total', 'Open Socket.IO connections (a gauge, named as upstream)', [
            'type',
            ...CLIENT,
        ]),
        websocketEvents: counter('websocket_events_total', 'Socket.IO events received, and disconnects', ['event_type', ...CLIENT]),
        websocketAckDuration: histogram('websocket_ack_duration_seconds', 'Time from an awaited socket event to its ack', ['event_type'], [
            0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30,
        ]),
        sessionAliveEvents: counter('session_alive_events_total', 'session-alive heartbeats received'),
        machineAliveEvents: counter('machine_alive_events_total', 'machine-alive heartbeats received'),

        sessionCacheOperations: counter('session_cache_operations_total', 'Heartbeat ownership checks', ['operation', 'result']),
        databaseUpdatesSkipped: counter('database_updates_skipped_total', 'Heartbeats that needed no write', ['type']),
        presenceFlushRows: histogram('presence_flush_rows', 'Rows written by one presence flush', ['type'], [
            1, 5, 10, 50, 100, 500, 1000, 5000, 20000,
        ]),

        queries: counter('prisma_client_queries_total', 'Database statements sent (Prisma and direct SQL)'),
        queriesActive: gauge('prisma_client_queries_active', 'Database statements in flight'),
        queryDuration: histogram('prisma_client_queries_duration_histogram_ms', 'Database statement duration in ms', [], [
            0, 1, 5, 10, 50, 100, 500, 1000, 5000, 50000,
        ]),

        messageBatchSize: histogram('message_append_batch_messages', 'Messages written by one append batch', [], [
            1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024,
        ]),
        messageBatchDuration: histogram('message_append_batch_duration_seconds', 'Time to commit one append batch', [], [
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
        ]),
        broadcasts: counter('socket_broadcasts_total', 'update and ephemeral events handed to Socket.IO', ['event', 'type']),
        broadcastRecipients: histogram('socket_broadcast_recipients', 'Sockets on this node an event was sent to', ['event'], [
            0, 1, 2, 5, 10, 25, 50, 100, 250, 1000,
        ]),

        rpcCalls: counter('rpc_calls_total', 'rpc-call events by outcome', ['method', 'result']),
        rpcDuration: histogram('rpc_call_duration_seconds', 'rpc-call duration', ['method', 'result'], [
            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30,
        ]),
        rpcLookupRetries: histogram('rpc_lookup_retries', 'Grace-window lookups before the target was found', ['method'], [
            0, 1, 2, 3, 4, 5, 6, 7,
        ]),
        rpcFetchSocketsTimeouts: counter('rpc_fetchsockets_timeouts_total', 'Failed or timed-out cluster socket lookups', ['context']),

        // Abuse limits (transport/http/plugins/rateLimits.ts, transport/socket/socketLimits.ts).
        httpRateLimited: counter('http_rate_limited_total', 'HTTP requests refused with 429 by a rate limit', ['limit']),
        socketLimited: counter(
            'socket_limited_total',
            'Socket events refused by the per-socket rate limit, sockets closed for flooding, connections over the per-account limit',
            ['reason', 'protocol'],
        ),
    };
}

export type Metrics = ReturnType<typeof createMetrics>;
