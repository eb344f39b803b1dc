import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../sources/monitoring/metricsServer.ts';
import { request } from '../harness/http.ts';
import { parsePrometheus, scrape, type Scrape } from '../harness/prometheus.ts';
import { callRpc, serveRpc } from '../harness/rpcClient.ts';
import { ciphertext, createSession, postMessages } from '../harness/sessions.ts';
import { roundTrip } from '../harness/socketClient.ts';
import { useTestServer, type TestServerHandle } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

/** Upstream's series (spec storage.md §6.2) and their types: dashboards built for it rely on both. */
const UPSTREAM_SERIES = {
    websocket_connections_total: 'gauge',
    session_alive_events_total: 'counter',
    machine_alive_events_total: 'counter',
    session_cache_operations_total: 'counter',
    database_updates_skipped_total: 'counter',
    websocket_events_total: 'counter',
    http_requests_total: 'counter',
    http_request_duration_seconds: 'histogram',
    database_records_total: 'gauge',
    redis_stream_lag_ms: 'gauge',
    rpc_calls_total: 'counter',
    rpc_call_duration_seconds: 'histogram',
    rpc_lookup_retries: 'histogram',
    rpc_fetchsockets_timeouts_total: 'counter',
    prisma_client_queries_total: 'counter',
    prisma_client_queries_active: 'gauge',
    prisma_client_queries_duration_histogram_ms: 'histogram',
    prisma_pool_connections_open: 'gauge',
    prisma_pool_connections_busy: 'gauge',
    prisma_pool_connections_idle: 'gauge',
    prisma_client_queries_wait: 'gauge',
};
const OUR_SERIES = {
    message_append_batch_messages: 'histogram',
    message_append_batch_duration_seconds: 'histogram',
    socket_broadcasts_total: 'counter',
    socket_broadcast_recipients: 'histogram',
    presence_flush_rows: 'histogram',
    websocket_ack_duration_seconds: 'histogram',
    process_cpu_user_seconds_total: 'counter',
    process_resident_memory_bytes: 'gauge',
    nodejs_eventloop_lag_seconds: 'gauge',
    nodejs_heap_size_used_bytes: 'gauge',
};

/** This server's metrics listener, started the way main.ts starts it, on an ephemeral port. */
function useMetricsServer(server: TestServerHandle) {
    let metrics: MetricsServer;
    beforeAll(async () => {
        metrics = (await startMetricsServer(server.deps.metrics.registry, server.deps.log, { port: 0, host: '127.0.0.1' }))!;
    });
    afterAll(() => metrics?.close());
    return { url: () => `http://127.0.0.1:${metrics.port}`, scrape: () => scrape(`http://127.0.0.1:${metrics.port}`) };
}

/** How much each counted thing grew between two scrapes. */
const grew = (before: Scrape, after: Scrape) => (name: string, labels?: Record<string, string>) => after.sum(name, labels) - before.sum(name, labels);

describe('metrics server (spec rest.md §1.10, storage.md §6.1)', () => {
    const server = useTestServer();
    const metrics = useMetricsServer(server);

    it('serves /metrics and /health on its own port; /metrics is a 404 on the API port', async () => {
        const response = await request(metrics.url(), 'GET', '/metrics');
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
        const parsed = parsePrometheus(response.text);
        for (const [name, type] of Object.entries({ ...UPSTREAM_SERIES, ...OUR_SERIES })) expect([name, parsed.types.get(name)]).toEqual([name, type]);
        expect(parsed.samples.length).toBeGreaterThan(50);
        expect(parsed.samples.filter((sample) => sample.labels.app !== 'happy-server')).toEqual([]);

        const health = await request(metrics.url(), 'GET', '/health');
        expect(Object.keys(health.body)).toEqual(['status', 'timestamp']);
        expect(health.body.status).toBe('ok');
        expect(new Date(health.body.timestamp).toISOString()).toBe(health.body.timestamp);
        expect((await request(metrics.url(), 'GET', '/elsewhere')).status).toBe(404);

        const onApi = await request(server.url, 'GET', '/metrics');
        expect(onApi).toMatchObject({ status: 404, body: { error: 'Not found', path: '/metrics', method: 'GET' } });
    });

    it('counts a client flow: HTTP, sockets, heartbeats, messages, fan-out, presence, RPC, database', async () => {
        const account = await server.account();
        const cli = { 'x-happy-client': 'cli/0.13.0' };
        const app = await account.connect({ clientType: 'user-scoped' });
        const sessionId = (await createSession(server.url, account.token)).id;
        const machineId = randomUUID();
        expect((await account.request('POST', '/v1/machines', { body: { id: machineId, metadata: ciphertext() } })).status).toBe(200);
        const session = await server.connect(account.token, { clientType: 'session-scoped', sessionId, happyClient: 'cli-coding-session/1.2.1' } as never);
        const daemon = await server.connect(account.token, { clientType: 'machine-scoped', machineId, happyClient: 'cli-daemon/1.2.1' } as never);
        await serveRpc(daemon, `${machineId}:spawn-happy-session`, () => 'spawned');
        await roundTrip(session);
        const before = await metrics.scrape();

        const posted = await request(server.url, 'POST', `/v3/sessions/${sessionId}/messages`, {
            token: account.token,
            headers: cli,
            body: { messages: ['a', 'b', 'c'].map((localId) => ({ localId, content: ciphertext() })) },
        });
        expect(posted.status).toBe(200);
        session.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: 'd' });
        session.socket.emit('message', { sid: sessionId, message: ciphertext(), localId: 'e' });
        await app.next('update', (u) => u.body.t === 'new-message' && u.body.message.localId === 'e');
        // A past time comes back unchanged in the announcement, which tells it from the daemon's
        // connect announcement.
        const beat = Date.now() - 1000;
        session.socket.emit('session-alive', { sid: sessionId, time: beat });
        daemon.socket.emit('machine-alive', { machineId, time: beat });
        await app.next('ephemeral', (e) => e.type === 'activity' && e.id === sessionId && e.activeAt === beat);
        await app.next('ephemeral', (e) => e.type === 'machine-activity' && e.id === machineId && e.activeAt === beat);
        expect(await callRpc(app, `${machineId}:spawn-happy-session`, ciphertext())).toEqual({ ok: true, result: 'spawned' });
        expect(await callRpc(app, undefined as never, null)).toMatchObject({ ok: false });
        await server.deps.presence.flush();
        const after = await metrics.scrape();
        const delta = grew(before, after);

        // HTTP: upstream's labels, the route template, the client header split in two.
        expect(delta('http_requests_total', { method: 'POST', route: '/v3/sessions/:sessionId/messages', status: '200', client: 'cli/0.13.0', client_type: 'cli' })).toBe(1);
        expect(delta('http_request_duration_seconds_count', { route: '/v3/sessions/:sessionId/messages', client_type: 'cli' })).toBe(1);
        expect(after.sum('http_requests_total', { method: 'POST', route: '/v1/auth', status: '200', client: 'unknown', client_type: 'unknown' })).toBeGreaterThanOrEqual(1);

        // Sockets: one gauge series per scope and client, events by type.
        const sessionClient = { client: 'cli-coding-session/1.2.1', client_type: 'cli-coding-session' };
        expect(after.sum('websocket_connections_total', { type: 'session-scoped', ...sessionClient })).toBe(1);
        expect(after.sum('websocket_connections_total', { type: 'machine-scoped', client: 'cli-daemon/1.2.1', client_type: 'cli-daemon' })).toBe(1);
        expect(after.sum('websocket_connections_total', { type: 'user-scoped', client: 'unknown', client_type: 'unknown' })).toBe(1);
        expect(delta('websocket_events_total', { event_type: 'message', ...sessionClient })).toBe(2);
        expect(delta('websocket_events_total', { event_type: 'session-alive', ...sessionClient })).toBe(1);
        expect(delta('session_alive_events_total')).toBe(1);
        expect(delta('machine_alive_events_total')).toBe(1);
        expect(delta('websocket_ack_duration_seconds_count', { event_type: 'rpc-call' })).toBe(2);

        // Presence: ownership checks through the cache; the session (active since its creation
        // a moment ago) needs no write, the machine (created inactive) gets one flush row.
        expect(delta('session_cache_operations_total', { operation: 'session_validation', result: 'miss' })).toBe(1);
        expect(delta('session_cache_operations_total', { operation: 'machine_validation', result: 'miss' })).toBe(1);
        expect(delta('database_updates_skipped_total', { type: 'session' })).toBe(1);
        expect(delta('presence_flush_rows_sum', { type: 'session' })).toBe(0);
        expect(delta('presence_flush_rows_sum', { type: 'machine' })).toBe(1);

        // Messages: five appended in batches; each new-message reached the app, the REST ones
        // the session socket too (the socket's own messages skip their sender).
        expect(delta('message_append_batch_messages_sum')).toBe(5);
        expect(delta('message_append_batch_messages_count')).toBeGreaterThanOrEqual(2);
        expect(delta('message_append_batch_duration_seconds_count')).toBe(delta('message_append_batch_messages_count'));
        expect(delta('socket_broadcasts_total', { event: 'update', type: 'new-message' })).toBe(5);
        expect(delta('socket_broadcast_recipients_count', { event: 'update' })).toBe(5);
        expect(delta('socket_broadcast_recipients_sum', { event: 'update' })).toBe(3 * 2 + 2 * 1);
        expect(delta('socket_broadcasts_total', { event: 'ephemeral', type: 'activity' })).toBe(1);

        // RPC: upstream's method label (after the last ':') and results.
        expect(delta('rpc_calls_total', { method: 'spawn-happy-session', result: 'success' })).toBe(1);
        expect(delta('rpc_calls_total', { method: 'other', result: 'invalid_params' })).toBe(1);
        expect(delta('rpc_call_duration_seconds_count', { method: 'spawn-happy-session', result: 'success' })).toBe(1);
        expect(delta('rpc_lookup_retries_count', { method: 'spawn-happy-session' })).toBe(1);
        expect(after.find('rpc_lookup_retries_bucket', { method: 'spawn-happy-session', le: '0' })[0]?.value).toBe(1);

        // Database: every statement timed, a connection in use only while one runs.
        // At least: each append batch, the two ownership reads, the presence flush.
        expect(delta('prisma_client_queries_total')).toBeGreaterThanOrEqual(delta('message_append_batch_messages_count') + 3);
        expect(delta('prisma_client_queries_duration_histogram_ms_count')).toBe(delta('prisma_client_queries_total'));
        const open = after.sum('prisma_pool_connections_open');
        expect(open).toBeGreaterThanOrEqual(1);
        expect(after.sum('prisma_pool_connections_busy') + after.sum('prisma_pool_connections_idle')).toBe(open);
        expect(after.sum('redis_stream_lag_ms')).toBe(0);
        expect(after.sum('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    });

    it('keeps every label bounded: client header, unmatched paths, event names', async () => {
        const account = await server.account();
        const before = await metrics.scrape();
        const get = (headers: Record<string, string>, path = '/v1/account/profile') => account.request('GET', path, { headers });
        await get({ 'x-happy-client': `evil-${randomUUID()}/1.0` });
        for (let i = 0; i < 70; i++) await get({ 'x-happy-client': `cli/9.${i}.0` });
        await get({ 'x-happy-client': 'CLI/with spaces' });
        for (let i = 0; i < 3; i++) await get({}, `/scan-${randomUUID()}?token=${randomUUID()}`);
        const socket = await account.connect({ clientType: 'user-scoped' });
        socket.socket.emit(`made-up-${randomUUID()}`, {});
        await roundTrip(socket);

        const parsed = await metrics.scrape();
        const requests = parsed.find('http_requests_total');
        expect(requests.some((s) => s.labels.client_type === 'other' && s.labels.client === 'other')).toBe(true);
        expect(requests.some((s) => s.labels.client === 'cli/other' && s.labels.client_type === 'cli')).toBe(true);
        expect(new Set(requests.map((s) => s.labels.client)).size).toBeLessThanOrEqual(64 + 3);
        expect(requests.some((s) => /evil|scan-|spaces/.test(`${s.labels.client} ${s.labels.client_type} ${s.labels.route}`))).toBe(false);
        expect(grew(before, parsed)('http_requests_total', { route: 'unmatched', status: '404' })).toBe(3);
        expect(grew(before, parsed)('websocket_events_total', { event_type: 'other' })).toBe(1);
    });

    it('drops a closed socket from the gauge and counts its disconnect', async () => {
        const account = await server.account();
        const client = { client: 'cli-daemon/1.2.1', client_type: 'cli-daemon' };
        const labels = { type: 'machine-scoped', ...client };
        const before = await metrics.scrape();
        const daemon = await server.connect(account.token, { clientType: 'machine-scoped', machineId: randomUUID(), happyClient: client.client } as never);
        expect(grew(before, await metrics.scrape())('websocket_connections_total', labels)).toBe(1);
        daemon.close();
        const after = await waitFor('the disconnect to be counted', async () => {
            const parsed = await metrics.scrape();
            return grew(before, parsed)('websocket_connections_total', labels) === 0 ? parsed : undefined;
        });
        expect(grew(before, after)('websocket_events_total', { event_type: 'disconnect', ...client })).toBe(1);
    });

    it('has every series the Grafana dashboard (deploy/grafana) queries', async () => {
        const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/happy-server.json', import.meta.url), 'utf8'));
        const queried = new Set<string>();
        for (const panel of dashboard.panels) {
            for (const target of panel.targets) for (const [name] of target.expr.matchAll(/\b[a-z_]+(?=\{)/g)) queried.add(name);
        }
        const families = (await metrics.scrape()).types;
        const missing = [...queried].filter((name) => !families.has(name.replace(/_(bucket|sum|count)$/, '')) && !families.has(name));
        expect(queried.size).toBeGreaterThan(20);
        expect(missing).toEqual([]);
    });

    it('goes on without metrics when the port is taken, as upstream', async () => {
        const taken = Number(new URL(metrics.url()).port);
        expect(await startMetricsServer(server.deps.metrics.registry, server.deps.log, { port: taken, host: '127.0.0.1' })).toBeNull();
    });
});

describe('database_records_total (catalog estimates, refreshed at most once a minute)', () => {
    const server = useTestServer();
    const metrics = useMetricsServer(server);

    it('reports the four tables from the statistics', async () => {
        const account = await server.account();
        await createSession(server.url, account.token);
        await postMessages(server.url, account.token, (await createSession(server.url, account.token)).id, [{ localId: 'x', content: ciphertext() }]);
        await server.deps.db.sql.exec('ANALYZE "Account", "Session", "SessionMessage", "Machine"');
        const parsed = await metrics.scrape();
        const tables = Object.fromEntries(parsed.find('database_records_total').map((s) => [s.labels.table, s.value]));
        expect(tables).toEqual({ accounts: 1, sessions: 2, messages: 1, machines: 0 });
    });
});
