import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { spawnServer } from '../harness/serverProcess.ts';
import { createTestDatabase, usesPostgres } from '../harness/testDatabase.ts';

/** `npm start` as a real process: what an operator runs. */
function startProcess(env: Record<string, string>) {
    const server = spawnServer(['--import', 'tsx', 'sources/main.ts', 'serve'], { LOG_LEVEL: 'info', ...env }, (line) => JSON.parse(line).msg === 'ready');
    const ready = server.ready.then((line) => JSON.parse(line).port as number);
    ready.catch(() => {}); // a test that expects a failed start awaits `exited` instead
    return { ...server, ready };
}

describe('server process', () => {
    it('serves on the embedded defaults and stops cleanly on SIGTERM', async () => {
        const dataDir = await mkdtemp(join(tmpdir(), 'happy-proc-'));
        const database = await createTestDatabase(join(dataDir, 'pglite'));
        const env = usesPostgres() ? { ...database.env, HANDY_MASTER_SECRET: 'process-test' } : {};
        const server = startProcess({ DATA_DIR: dataDir, ...env });
        try {
            const port = await server.ready;
            const health = await request(`http://127.0.0.1:${port}`, 'GET', '/health');
            expect(health.body.status).toBe('ok');
            server.child.kill('SIGTERM');
            expect(await server.exited).toBe(0);
            expect(server.lines.map((line) => JSON.parse(line).msg)).toContain('stopped');
        } finally {
            server.child.kill('SIGKILL');
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
        }
    });

    it('refuses to start on a bad setting and names it', async () => {
        const server = startProcess({ PORT: 'eighty' });
        expect(await server.exited).toBe(1);
        expect(server.stderr.join('')).toMatch(/PORT/);
    });
});
