import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../harness/useTestServer.ts';

// Spec rest.md §3.15: the env-gated, unauthenticated client log sink.
const PATH = '/logs-combined-from-cli-and-mobile-for-simple-ai-debugging';
const line = (fields: Record<string, unknown> = {}) => ({
    timestamp: '2026-01-02T03:04:05.678Z',
    level: 'info',
    message: 'hello from the app',
    source: 'mobile',
    platform: 'ios',
    ...fields,
});

describe('client log sink (spec rest.md §3.15)', () => {
    const server = useTestServer({ env: { DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING: 'true' } });
    const written = async () => (await readFile(server.deps.clientLog!.file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

    it('appends client lines to its own file at the level they name, without authentication', async () => {
        const sent: Array<[string, number]> = [['error', 50], ['warning', 40], ['WARN', 40], ['debug', 20], ['info', 30], ['verbose', 30], ['constructor', 30]];
        for (const [level] of sent) {
            const response = await server.request('POST', PATH, { body: line({ level, message: `at ${level}`, source: 'cli' }) });
            expect(response.status).toBe(200);
            expect(response.body).toEqual({ success: true });
        }
        const records = await written();
        expect(records.map((r) => [r.msg, r.level])).toEqual(sent.map(([level, severity]) => [`at ${level}`, severity]));
        expect(records[0]).toMatchObject({ source: 'cli', platform: 'ios', clientTime: '2026-01-02T03:04:05.678Z' });
    });

    it('keeps the raw object but redacts credentials in it', async () => {
        await server.request('POST', PATH, { body: line({ message: 'raw', messageRawObject: { step: 3, token: 'eyJsecret', headers: { authorization: 'Bearer x' } } }) });
        const record = (await written()).find((r) => r.msg === 'raw');
        expect(record.raw).toEqual({ step: 3, token: '[redacted]', headers: '[redacted]' });
    });

    it('refuses malformed and oversized lines', async () => {
        for (const body of [line({ source: 'web' }), line({ message: undefined }), line({ level: 7 }), line({ message: 'm'.repeat(51_201) })]) {
            expect((await server.request('POST', PATH, { body })).status).toBe(400);
        }
        const huge = await server.request('POST', PATH, { body: line({ messageRawObject: 'x'.repeat(210 * 1024) }) });
        expect(huge.status).toBe(413);
    });
});

describe('client log sink, not enabled', () => {
    const server = useTestServer();

    it('does not exist', async () => {
        const response = await server.request('POST', PATH, { body: line() });
        expect(response.status).toBe(404);
        expect(response.body).toEqual({ error: 'Not found', path: PATH, method: 'POST' });
        expect(server.deps.clientLog).toBeUndefined();
    });
});
