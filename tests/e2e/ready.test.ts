import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../sources/monitoring/metricsServer.ts';
import { request } from '../harness/http.ts';
import { parsePrometheus } from '../harness/prometheus.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcpProxy.ts';
import { createTestDatabase, usesPostgres } from '../harness/testDatabase.ts';
import { startTestServer, type TestServer } from '../harness/testServer.ts';
import { useTestServer } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

const testRedisUrl = process.env.TEST_REDIS_URL;
const ready = (url: string) => request(url, 'GET', '/ready');
const timingNames = (header: string | null) => (header ?? '').split(', ').map((entry) => entry.split(';', 1)[0]);

describe('GET /ready (every dependency, 503 naming the one down)', () => {
    const server = useTestServer();

    it('reports each dependency of a healthy single node', async () => {
        const response = await ready(server.url);
        expect(response.status).toBe(200);
        expect(Object.keys(response.body).slice(0, 3)).toEqual(['status', 'database', 'redis']);
        expect(response.body).toMatchObject({ status: 'ready', database: 'up', redis: 'none' });
        expect(Object.values(response.body).every((state) => ['ready', 'up', 'none'].includes(state as string))).toBe(true);
        expect(timingNames(response.headers.get('server-timing'))).toEqual(['total', ...Object.keys(response.body).slice(1)]);
    });

    it('takes further dependencies through readiness.register, each checked with a deadline', async () => {
        let probe: 'up' | 'down' | Error | 'hang' = 'down';
        server.deps.readiness.register('probe', () => {
            if (probe === 'hang') return new Promise(() => {});
            return probe instanceof Error ? Promise.reject(probe) : Promise.resolve(probe);
        });
        const down = await ready(server.url);
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: 'degraded', database: 'up', redis: 'none', probe: 'down', down: ['probe'] });
        expect(Object.keys(down.body).at(-1)).toBe('down');
        probe = new Error('boom');
        expect((await ready(server.url)).body.down).toEqual(['probe']);
        probe = 'hang';
        expect((await ready(server.url)).body.down).toEqual(['probe']);
        probe = 'up';
        const up = await ready(server.url);
        expect(up.status).toBe(200);
        expect(up.body).toMatchObject({ status: 'ready', probe: 'up' });
        expect(up.body.down).toBeUndefined();
        // /health is upstream's liveness contract and only looks at the database.
        expect((await request(server.url, 'GET', '/health')).body.status).toBe('ok');
    });
});

/** Postgres stopped and restarted, as seen by the node: through a proxy the test cuts. */
describe.skipIf(!usesPostgres())('a node whose Postgres goes away', () => {
    let line: TcpProxy;
    let node: TestServer;
    let metrics: MetricsServer;

    beforeAll(async () => {
        const database = await createTestDatabase();
        const url = new URL(database.env.DATABASE_URL!);
        line = await startTcpProxy(Number(url.port || 5432));
        url.host = `127.0.0.1:${line.port}`;
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-ready-'));
        node = await startTestServer({ reuse: { database, dataDir }, env: { DATABASE_URL: url.toString() } });
        metrics = (await startMetricsServer(node.deps.metrics.registry, node.deps.log, { port: 0, host: '127.0.0.1' }))!;
    });
    afterAll(async () => {
        await line?.restore().catch(() => {});
        await metrics?.close();
        await node?.dispose();
        await line?.close();
    });

    it('answers 503 naming the database on /ready and /health, keeps /metrics up, and recovers', { timeout: 60_000 }, async () => {
        expect((await ready(node.url)).body).toMatchObject({ status: 'ready', database: 'up' });
        await line.cut();

        const outage = await ready(node.url);
        expect(outage.status).toBe(503);
        expect(outage.body).toMatchObject({ status: 'degraded', database: 'down', redis: 'none', down: ['database'] });
        const health = await request(node.url, 'GET', '/health');
        expect(health.status).toBe(503);
        expect(Object.keys(health.body)).toEqual(['status', 'timestamp', 'service', 'error']);
        expect(health.body).toMatchObject({ status: 'error', service: 'happy-server', error: 'Database connectivity failed' });
        // Upstream failed the whole scrape with its database metrics (storage.md R14).
        const scrape = await request(`http://127.0.0.1:${metrics.port}`, 'GET', '/metrics');
        expect(scrape.status).toBe(200);
        expect(scrape.text).toContain('http_requests_total{method="GET",route="/ready",status="503"');
        expect((await request(`http://127.0.0.1:${metrics.port}`, 'GET', '/health')).status).toBe(200);

        await line.restore();
        await waitFor('the database to be back', async () => (await ready(node.url)).status === 200);
        expect((await ready(node.url)).body).toMatchObject({ status: 'ready', database: 'up' });
        expect((await request(node.url, 'GET', '/health')).status).toBe(200);
    });
});

/** Redis stopped and restarted for a node of a cluster (here a cluster of one). */
describe.skipIf(!testRedisUrl)('a node whose Redis goes away', () => {
    const prefix = `test-ready-${randomBytes(6).toString('hex')}`;
    let line: TcpProxy;
    let node: TestServer;

    beforeAll(async () => {
        line = await startTcpProxy(Number(new URL(testRedisUrl!).port || 6379));
        node = await startTestServer({ env: { REDIS_URL: line.url('redis') }, clusterPrefix: prefix });
    });
    afterAll(async () => {
        await line?.restore().catch(() => {});
        await node?.dispose();
        await line?.close();
        const redis = new Redis(testRedisUrl!);
        const keys = [prefix, ...(await redis.keys(`${prefix}:*`))];
        await redis.del(...keys);
        redis.disconnect();
    });

    it('answers 503 naming redis while it is gone, and 200 once it is back', { timeout: 60_000 }, async () => {
        await waitFor('Redis to be up', async () => (await ready(node.url)).status === 200);
        expect((await ready(node.url)).body).toMatchObject({ status: 'ready', database: 'up', redis: 'up' });
        const lag = async () => parsePrometheus(await node.deps.metrics.registry.metrics()).find('redis_stream_lag_ms');
        expect((await lag()).map((sample) => sample.value >= 0)).toEqual([true]);
        await line.cut();
        const outage = await waitFor('Redis to be reported down', async () => {
            const response = await ready(node.url);
            return response.status === 503 ? response : undefined;
        });
        expect(outage.body).toMatchObject({ status: 'degraded', database: 'up', redis: 'down', down: ['redis'] });
        // The scrape goes on without Redis; the lag keeps its last value.
        expect(await lag()).toHaveLength(1);
        await line.restore();
        await waitFor('Redis to be back', async () => (await ready(node.url)).status === 200);
        expect((await ready(node.url)).body).toMatchObject({ status: 'ready', redis: 'up' });
    });
});
