import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { parsePrometheus } from '../harness/prometheus.ts';
import { spawnServer } from '../harness/serverProcess.ts';
import { createTestDatabase, usesPostgres, type TestDatabase } from '../harness/testDatabase.ts';

/** What `npm start` runs: scripts/start.mjs bundles sources/main.ts and runs the bundle. */
const start = (env: Record<string, string>) => spawnServer(['scripts/start.mjs', 'serve'], env, (line) => /"msg":"ready"|INFO: ready$/.test(line));

describe('npm start (scripts/start.mjs)', () => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function environment(extra: Record<string, string> = {}) {
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-start-'));
        const database: TestDatabase = await createTestDatabase(join(dataDir, 'pglite'));
        cleanups.push(() => rm(dataDir, { recursive: true, force: true }), () => database.drop());
        return { DATA_DIR: dataDir, ...(usesPostgres() ? { ...database.env, HANDY_MASTER_SECRET: 'start-test' } : {}), ...extra };
    }

    function launch(env: Record<string, string>) {
        const server = start(env);
        cleanups.push(async () => {
            server.child.kill('SIGKILL');
            await server.exited;
        });
        return server;
    }

    it('serves the API from the bundle, metrics on their own port, and reports its start-up time', async () => {
        const server = launch(await environment({ LOG_LEVEL: 'info' }));
        const ready = JSON.parse(await server.ready);
        expect(ready).toMatchObject({ level: 30, msg: 'ready', service: 'happy-server' });
        expect(ready.startupMs).toBeGreaterThan(0);
        const api = `http://127.0.0.1:${ready.port}`;
        expect((await request(api, 'GET', '/health')).body.status).toBe('ok');
        // Prisma, the migrations and the message path work from the bundle.
        const { token } = await login(api);
        expect((await request(api, 'GET', '/v1/sessions', { token })).body).toEqual({ sessions: [] });

        const metrics = `http://127.0.0.1:${ready.metricsPort}`;
        const scrape = parsePrometheus((await request(metrics, 'GET', '/metrics')).text);
        expect(scrape.sum('http_requests_total', { route: '/v1/auth', status: '200' })).toBe(1);
        expect((await request(api, 'GET', '/metrics')).status).toBe(404);

        server.child.kill('SIGTERM');
        expect({ exit: await server.exited, stderr: server.stderr.join('') }).toEqual({ exit: 0, stderr: '' });
        expect(server.lines.map((line) => JSON.parse(line).msg)).toContain('stopped');
    });

    it('runs without the metrics listener when METRICS_ENABLED=false, and logs pretty when asked', async () => {
        const server = launch(await environment({ METRICS_ENABLED: 'false', LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' }));
        const line = await server.ready;
        expect(() => JSON.parse(line)).toThrow();
        expect(line).toMatch(/INFO.*ready/);
        server.child.kill('SIGTERM');
        expect({ exit: await server.exited, stderr: server.stderr.join('') }).toEqual({ exit: 0, stderr: '' });
        // pino-pretty puts a record's fields on the lines under its message.
        expect(server.lines.join('\n')).toMatch(/ready\n(\s+\w+: .*\n)*\s+metricsPort: null/);
    });
});
