import { randomUUID } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../sources/monitoring/log.ts';
import { request } from '../harness/http.ts';
import { b64, loginBody, newAccountKeys, sealForDevice } from '../harness/keyClient.ts';
import { captureLines, findSecrets } from '../harness/logScan.ts';
import { callRpc, serveRpc } from '../harness/rpcClient.ts';
import { ciphertext } from '../harness/sessions.ts';
import { connectSocket } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('logs (spec storage.md §6.4, S3; workers.md §2.1 request ids)', () => {
    const capture = captureLines();
    const server = useTestServer({ log: createLogger('trace', { destination: capture.destination }) });

    it('carries no credential, key or ciphertext through a full client flow, errors included', async () => {
        const secrets: string[] = [];
        const keep = <T extends string>(value: T) => (secrets.push(value), value);

        // Key-pair login, as the app does: public key, challenge and signature.
        const keys = newAccountKeys();
        const body = loginBody(keys);
        secrets.push(body.publicKey, body.challenge, body.signature, Buffer.from(keys.publicKey).toString('hex'));
        const login = await request(server.url, 'POST', '/v1/auth', { body });
        expect(login.status).toBe(200);
        const token = keep(login.body.token as string);
        const api = (method: string, path: string, payload?: unknown) => request(server.url, method, path, { token, body: payload });

        // Terminal pairing: the CLI's public key travels in a body and in a query string.
        const cli = nacl.box.keyPair();
        const cliKey = keep(b64(cli.publicKey));
        expect((await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: cliKey, supportsV2: true } })).status).toBe(200);
        const answer = keep(sealForDevice(keys.secret, cli.publicKey));
        expect((await api('POST', '/v1/auth/response', { publicKey: cliKey, response: answer })).status).toBe(200);
        const status = await request(server.url, 'GET', `/v1/auth/request/status?publicKey=${encodeURIComponent(cliKey)}`);
        expect(status.body.status).toBe('authorized');
        const cliToken = keep((await request(server.url, 'POST', '/v1/auth/request', { body: { publicKey: cliKey } })).body.token);

        // Sessions, messages, machines, artifacts, KV, access keys, push tokens: all ciphertext.
        const dataKey = keep(ciphertext(32));
        const created = await api('POST', '/v1/sessions', { tag: 'log-test', metadata: keep(ciphertext()), dataEncryptionKey: dataKey });
        const sessionId = created.body.session.id as string;
        expect((await api('POST', `/v3/sessions/${sessionId}/messages`, { messages: [{ localId: 'l1', content: keep(ciphertext(64)) }] })).status).toBe(200);
        const machineId = randomUUID();
        expect((await api('POST', '/v1/machines', { id: machineId, metadata: keep(ciphertext()), dataEncryptionKey: keep(ciphertext(40)) })).status).toBe(200);
        const artifact = { id: randomUUID(), header: keep(ciphertext()), body: keep(ciphertext(80)), dataEncryptionKey: keep(ciphertext(33)) };
        expect((await api('POST', '/v1/artifacts', artifact)).status).toBe(200);
        expect((await api('POST', '/v1/kv', { mutations: [{ key: 'todo.1', value: keep(ciphertext()), version: -1 }] })).status).toBe(200);
        expect((await api('POST', `/v1/access-keys/${sessionId}/${machineId}`, { data: keep(ciphertext()) })).status).toBe(200);
        const pushToken = keep(`ExponentPushToken[${ciphertext(30)}]`);
        expect((await api('POST', '/v1/push-tokens', { token: pushToken })).status).toBe(200);
        expect((await api('DELETE', `/v1/push-tokens/${encodeURIComponent(pushToken)}`)).status).toBe(200);

        // Realtime: the CLI's token in the handshake, ciphertext in events, RPC params and results.
        const app = await server.connect(token, { clientType: 'user-scoped' });
        const session = await server.connect(cliToken, { clientType: 'session-scoped', sessionId });
        const daemon = await server.connect(cliToken, { clientType: 'machine-scoped', machineId });
        session.socket.emit('message', { sid: sessionId, message: keep(ciphertext(90)), localId: 'l2' });
        await app.next('update', (u) => u.body.t === 'new-message' && u.body.message.localId === 'l2');
        const metadata = keep(ciphertext());
        expect(await session.emitWithAck('update-metadata', { sid: sessionId, metadata, expectedVersion: 0 })).toMatchObject({ result: 'success' });
        const result = keep(ciphertext(50));
        await serveRpc(daemon, `${machineId}:bash`, () => result);
        expect(await callRpc(app, `${machineId}:bash`, keep(ciphertext(45)))).toEqual({ ok: true, result });
        await expect(connectSocket(server.url, keep(`${token.slice(0, -4)}AAAA`))).rejects.toThrow('Invalid authentication token');

        // Mistakes that carry secrets: a 404 with a bearer header and a key in the query, bad JSON.
        const lost = await request(server.url, 'GET', `/v2/nowhere?publicKey=${encodeURIComponent(cliKey)}`, { token });
        expect(lost.status).toBe(404);
        const garbled = await request(server.url, 'POST', '/v1/auth', { raw: `{"challenge":"${keep(ciphertext(32))}",`, headers: { 'content-type': 'application/json' } });
        expect(garbled.status).toBe(400);

        // A server error: its line is an error with the request id, and still nothing secret.
        await server.deps.db.sql.exec('DROP TABLE "AccountPushToken" CASCADE');
        const failed = await api('POST', '/v1/push-tokens', { token: pushToken });
        expect(failed.status).toBe(500);
        const errors = capture.records().filter((record) => record.level >= 50);
        expect(errors.map((record) => [record.msg, record.reqId])).toEqual([['request failed', failed.headers.get('x-request-id')]]);
        expect(Object.keys(errors[0].err)).toEqual(expect.arrayContaining(['type', 'message', 'stack']));

        expect(capture.lines.length).toBeGreaterThan(20);
        expect(findSecrets(capture.lines, secrets)).toEqual([]);
    });

    it('puts the request id on the response and on every line of the request', async () => {
        const account = await server.account();
        const before = capture.lines.length;
        const sane = await account.request('GET', '/v1/account/profile', { headers: { 'x-request-id': 'edge-7f3a.42:retry-1' } });
        expect(sane.headers.get('x-request-id')).toBe('edge-7f3a.42:retry-1');
        for (const insane of ['has spaces', 'x'.repeat(129), 'semi;colon', '']) {
            const replaced = await account.request('GET', '/v1/account/profile', { headers: { 'x-request-id': insane } });
            expect(replaced.headers.get('x-request-id')).toMatch(UUID);
        }
        const fresh = await request(server.url, 'GET', '/v1/account/profile');
        expect(fresh.status).toBe(401);
        expect(fresh.headers.get('x-request-id')).toMatch(UUID);
        // Every reply, a 404 of an overlong path parameter (answered before routing) too.
        expect((await account.request('GET', `/v1/kv/${'k'.repeat(101)}`)).headers.get('x-request-id')).toMatch(UUID);

        const lines = capture.records().slice(before);
        const completed = lines.filter((record) => record.msg === 'request completed');
        expect(completed.find((record) => record.reqId === 'edge-7f3a.42:retry-1')).toMatchObject({
            level: 20,
            method: 'GET',
            route: '/v1/account/profile',
            status: 200,
        });
        expect(completed.find((record) => record.reqId === fresh.headers.get('x-request-id'))).toMatchObject({ status: 401 });
        // Lines of requests carry their id; none carries the URL (paths hold tokens and keys).
        for (const record of completed) expect(typeof record.reqId).toBe('string');
        expect(lines.some((record) => 'url' in record || 'req' in record)).toBe(false);
    });

    it('answers with timing headers (spec workers.md §2.1)', async () => {
        const response = await request(server.url, 'GET', '/health');
        expect(response.headers.get('x-response-time')).toMatch(/^\d+ms$/);
        expect(response.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d;desc="Total request time"$/);
    });
});
