import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../sources/monitoring/log.ts';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { connectNative } from '../harness/nativeClient.ts';
import { captureLines, findSecrets } from '../harness/logScan.ts';
import { createSession } from '../harness/sessions.ts';
import { connectSocket, roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { useStandIn, type ReceivedRequest, type StandInReply } from '../harness/thirdParty.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

// Spec rest.md §3.4 (push-event), §4.3 (session-event); Expo played by a local stand-in.
const SEND = '/--/api/v2/push/send';
const EVENT_KEYS = ['type', 'sessionId', 'kind', 'title', 'body', 'timestamp'];

let tokenCounter = 0;
const expoToken = () => `ExponentPushToken[test${(tokenCounter++).toString(36).padStart(6, '0')}xQ]`;

/** Expo's answer to one request: a ticket per message, chosen per token (ok by default). */
function expoTickets(errorFor: Record<string, { error: string; message?: string }> = {}) {
    return (request: ReceivedRequest): StandInReply => ({
        json: {
            data: (request.json as Array<{ to: string }>).map(({ to }) =>
                errorFor[to]
                    ? { status: 'error', message: errorFor[to]!.message ?? `"${to}" failed`, details: { error: errorFor[to]!.error } }
                    : { status: 'ok', id: `ticket-${to.length}` },
            ),
        },
    });
}

const pushEvent = (account: TestAccount | { request: TestAccount['request'] }, sessionId: string, body: Record<string, unknown> = {}) =>
    account.request('POST', `/v1/sessions/${sessionId}/push-event`, {
        body: { kind: 'done', title: 'Ready', body: 'Your task finished', ...body },
    });

describe('session push events (spec rest.md §3.4)', () => {
    const standIn = useStandIn();
    const capture = captureLines();
    const server = useTestServer({
        env: () => ({ EXPO_PUSH_URL: standIn.url }),
        log: createLogger('trace', { destination: capture.destination }),
    });

    /** An account with a session, `devices` registered push tokens, and the app's socket (in the background). */
    async function user(devices = 2) {
        const account = await server.account();
        const tokens = Array.from({ length: devices }, expoToken);
        for (const token of tokens) expect((await account.request('POST', '/v1/push-tokens', { body: { token } })).status).toBe(200);
        const session = await createSession(server.url, account.token);
        const app = await account.connect({ clientType: 'user-scoped' });
        return { account, tokens, sessionId: session.id, app };
    }

    const setAppState = async (app: TestSocket, state: string) => {
        app.socket.emit('app-state', { state });
        await roundTrip(app);
    };
    const sends = () => standIn.requests.filter((r) => r.method === 'POST' && r.path === SEND);
    const registered = async (account: TestAccount) =>
        ((await account.request('GET', '/v1/push-tokens')).body.tokens as Array<{ token: string }>).map((t) => t.token).sort();

    it('tells open apps and the session, and pushes to every device with the exact message', async () => {
        standIn.on('POST', SEND, expoTickets());
        const { account, tokens, sessionId, app } = await user(2);
        const cli = await account.connect({ clientType: 'session-scoped', sessionId });

        const data = { requestId: 'r1', sessionId: 'someone-elses-session', nested: { a: [1, 2] }, kind: 'question' };
        const response = await pushEvent(account, sessionId, { kind: 'permission', title: 'Allow?', body: 'Run rm -rf build', data });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ success: true, result: 'sent', tokens: 2 });
        expect(Object.keys(response.body)).toEqual(['success', 'result', 'tokens']);

        const event = await app.next('ephemeral', (e) => e.type === 'session-event');
        expect(event).toEqual({ type: 'session-event', sessionId, kind: 'permission', title: 'Allow?', body: 'Run rm -rf build', timestamp: expect.any(Number) });
        expect(Object.keys(event)).toEqual(EVENT_KEYS);
        expect(await cli.next('ephemeral', (e) => e.type === 'session-event')).toEqual(event);

        const [sent] = sends() as [ReceivedRequest];
        expect(sends()).toHaveLength(1);
        expect(sent.headers['content-type']).toMatch(/^application\/json/);
        expect(sent.headers.accept).toBe('application/json');
        // Client data rides along, but cannot redirect the tap to another session nor change the kind.
        const expectedData = { requestId: 'r1', sessionId, nested: { a: [1, 2] }, kind: 'permission' };
        expect(sent.json).toEqual(
            tokens.map((to) => ({ to, title: 'Allow?', body: 'Run rm -rf build', data: expectedData, sound: 'default', channelId: 'messages' })),
        );
    });

    it('suppresses the push while an app is in the foreground, and says so', async () => {
        standIn.on('POST', SEND, expoTickets());
        const { account, sessionId, app } = await user(1);
        await setAppState(app, 'active');
        const response = await pushEvent(account, sessionId);
        expect(response.body).toEqual({ success: true, result: 'suppressed', reason: 'active-ui-client' });
        expect(await app.next('ephemeral', (e) => e.type === 'session-event')).toMatchObject({ sessionId, kind: 'done' });
        expect(sends()).toEqual([]);

        // Back in the background, the next event is pushed again.
        await setAppState(app, 'background');
        expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'sent', tokens: 1 });
    });

    it('counts a native WebSocket app that reports its foreground state, like a Socket.IO app', async () => {
        standIn.on('POST', SEND, expoTickets());
        const { account, sessionId, app } = await user(1);
        app.close();
        const native = await connectNative(server.url, { query: { token: account.token } });
        try {
            // Connected but silent about its state: unknown, so the push goes out (nothing missed).
            expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'sent', tokens: 1 });
            native.emit('app-state', { state: 'active' });
            await native.emitWithAck('ping');
            expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'suppressed', reason: 'active-ui-client' });
            expect(await native.next('ephemeral', (e: any) => e.type === 'session-event')).toMatchObject({ sessionId, kind: 'done' });
        } finally {
            native.close();
        }
    });

    it('does not count the session or daemon sockets as someone watching', async () => {
        standIn.on('POST', SEND, expoTickets());
        const { account, sessionId, app } = await user(1);
        app.close();
        const cli = await account.connect({ clientType: 'session-scoped', sessionId });
        await setAppState(cli, 'active');
        const daemon = await account.connect({ clientType: 'machine-scoped', machineId: 'm1' });
        await setAppState(daemon, 'active');
        expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'sent', tokens: 1 });
    });

    it('reports no_tokens for an account without devices', async () => {
        const { account, sessionId } = await user(0);
        const response = await pushEvent(account, sessionId);
        expect(response.body).toEqual({ success: true, result: 'no_tokens' });
        expect(sends()).toEqual([]);
    });

    it('sends in batches of at most 100 messages', async () => {
        standIn.on('POST', SEND, expoTickets());
        const { account, sessionId } = await user(0);
        const tokens = Array.from({ length: 250 }, expoToken);
        await server.deps.db.prisma.accountPushToken.createMany({
            data: tokens.map((token, i) => ({ id: `bulk-${account.userId}-${i}`, accountId: account.userId, token })),
        });
        expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'sent', tokens: 250 });
        expect(sends().map((r) => (r.json as unknown[]).length)).toEqual([100, 100, 50]);
        expect(sends().flatMap((r) => (r.json as Array<{ to: string }>).map((m) => m.to)).sort()).toEqual([...tokens].sort());
    });

    it('reports partial delivery and forgets devices Expo says are gone', async () => {
        const { account, tokens, sessionId } = await user(3);
        const [kept, gone, limited] = tokens as [string, string, string];
        standIn.on('POST', SEND, expoTickets({ [gone]: { error: 'DeviceNotRegistered' }, [limited]: { error: 'MessageRateExceeded' } }));
        const response = await pushEvent(account, sessionId);
        expect(response.body).toEqual({ success: true, result: 'partial', tokens: 3, delivered: 1, reason: 'DeviceNotRegistered, MessageRateExceeded' });
        expect(Object.keys(response.body)).toEqual(['success', 'result', 'tokens', 'delivered', 'reason']);
        expect(await registered(account)).toEqual([kept, limited].sort());
    });

    it('reports failure with upstream reasons when Expo cannot be reached or answers badly, keeping the tokens', async () => {
        const { account, tokens, sessionId } = await user(2);
        const replies: Array<[StandInReply, string]> = [
            [{ status: 500, body: 'upstream down' }, 'HTTP 500'],
            [{ status: 429, json: { errors: [{ code: 'TOO_MANY_REQUESTS' }] } }, 'HTTP 429'],
            [{ status: 200, body: '<html>maintenance</html>' }, 'Invalid response'],
            [{ json: { data: [{ status: 'ok', id: 'one-ticket-for-two' }] } }, 'Invalid response'],
            ['reset', 'Network error'],
        ];
        for (const [reply, reason] of replies) {
            standIn.on('POST', SEND, reply);
            const response = await pushEvent(account, sessionId);
            expect(response.status).toBe(200);
            expect(response.body).toEqual({ success: true, result: 'failed', reason: `${reason}, ${reason}` });
        }
        // A message Expo refuses with only a message and no code.
        standIn.on('POST', SEND, () => ({ json: { data: [{ status: 'error', message: 'bad' }, { status: 'error', message: 'bad' }] } }));
        expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'failed', reason: 'bad, bad' });
        expect(await registered(account)).toEqual([...tokens].sort());
    });

    it('counts each batch on its own when one of them fails', async () => {
        const { account, sessionId } = await user(0);
        await server.deps.db.prisma.accountPushToken.createMany({
            data: Array.from({ length: 101 }, (_, i) => ({ id: `split-${account.userId}-${i}`, accountId: account.userId, token: expoToken() })),
        });
        let calls = 0;
        standIn.on('POST', SEND, (request) => (calls++ === 0 ? { status: 502 } : expoTickets()(request)));
        const response = await pushEvent(account, sessionId);
        expect(response.body).toMatchObject({ success: true, result: 'partial', tokens: 101, delivered: 1 });
        expect(response.body.reason.split(', ')).toEqual(Array(100).fill('HTTP 502'));
    });

    it('gives up on an Expo that never answers', async () => {
        standIn.on('POST', SEND, 'hang');
        const { account, sessionId } = await user(1);
        expect((await pushEvent(account, sessionId)).body).toEqual({ success: true, result: 'failed', reason: 'Network error' });
    });

    it("answers another account's session as not found, and tells or pushes nothing", async () => {
        standIn.on('POST', SEND, expoTickets());
        const owner = await user(1);
        const stranger = await user(1);
        const response = await pushEvent(stranger.account, owner.sessionId);
        expect(response.status).toBe(404);
        expect(response.body).toEqual({ error: 'Session not found' });
        expect((await pushEvent(stranger.account, 'no-such-session')).body).toEqual({ error: 'Session not found' });

        // A later event of the owner arrives alone: the refused ones were never emitted.
        await pushEvent(owner.account, owner.sessionId, { title: 'marker' });
        await owner.app.next('ephemeral', (e) => e.title === 'marker');
        expect(owner.app.ephemerals.filter((e) => e.type === 'session-event')).toHaveLength(1);
        expect(stranger.app.ephemerals.filter((e) => e.type === 'session-event')).toEqual([]);
        expect(sends().flatMap((r) => r.json as Array<{ to: string }>).map((m) => m.to)).toEqual(owner.tokens);
    });

    it('validates the request and needs a bearer token', async () => {
        const { account, sessionId } = await user(1);
        const bad = [
            { kind: 'finished' },
            { kind: undefined },
            { title: '' },
            { title: 't'.repeat(201) },
            { body: '' },
            { body: 'b'.repeat(501) },
            { data: [1, 2] },
            { data: 'x' },
        ];
        for (const body of bad) expect((await pushEvent(account, sessionId, body)).status).toBe(400);
        expect((await pushEvent(account, sessionId, { title: 't'.repeat(200), body: 'b'.repeat(500), data: {} })).body).toMatchObject({ success: true });
        expect((await request(server.url, 'POST', `/v1/sessions/${sessionId}/push-event`, { body: { kind: 'done', title: 't', body: 'b' } })).status).toBe(401);
    });

    it('logs no push token', async () => {
        const { account, tokens, sessionId } = await user(2);
        standIn.on('POST', SEND, expoTickets({ [tokens[0]!]: { error: 'DeviceNotRegistered' } }));
        await pushEvent(account, sessionId);
        standIn.on('POST', SEND, 'reset');
        await pushEvent(account, sessionId);
        expect(capture.lines.some((line) => line.includes('push not delivered'))).toBe(true);
        expect(findSecrets(capture.lines, tokens)).toEqual([]);
    });
});

/** Spec realtime.md §5.4: the app may hold its socket on another node than the CLI's request. */
describe.skipIf(skipClusterTests)('push suppression across nodes', () => {
    const standIn = useStandIn();
    let cluster: TestCluster;
    const open: TestSocket[] = [];

    beforeAll(async () => {
        cluster = await startTestCluster(2, { env: () => ({ EXPO_PUSH_URL: standIn.url }) });
    });
    afterAll(async () => {
        for (const client of open) client.close();
        await cluster?.dispose();
    });

    it('suppresses a push requested on one node while the app is in the foreground on another', async () => {
        const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
        standIn.on('POST', SEND, expoTickets());
        const { token } = await login(a.url);
        const cli = { request: (method: string, path: string, options = {}) => request(a.url, method, path, { ...options, token }) };
        expect((await cli.request('POST', '/v1/push-tokens', { body: { token: expoToken() } })).status).toBe(200);
        const sessionId = (await createSession(a.url, token)).id;
        const app = await connectSocket(b.url, token, { clientType: 'user-scoped' });
        open.push(app);
        app.socket.emit('app-state', { state: 'active' });
        await roundTrip(app);

        expect((await pushEvent(cli, sessionId)).body).toEqual({ success: true, result: 'suppressed', reason: 'active-ui-client' });
        expect(await app.next('ephemeral', (e) => e.type === 'session-event')).toMatchObject({ sessionId });
        expect(standIn.requests).toEqual([]);

        app.socket.emit('app-state', { state: 'background' });
        await roundTrip(app);
        expect((await pushEvent(cli, sessionId)).body).toEqual({ success: true, result: 'sent', tokens: 1 });
        expect(standIn.requests).toHaveLength(1);
    });
});
