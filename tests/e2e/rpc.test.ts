import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';

/** Long enough for the 15 s grace window that precedes 'RPC method not available'. */
const NOT_AVAILABLE_WAIT_MS = 25_000;

describe('RPC relay (spec realtime.md §8)', () => {
    const server = useTestServer();

    /** Registers `method` the way happy-cli does and answers its requests with `answer(params)`. */
    async function serve(client: TestSocket, method: string, answer: (params: any) => unknown = (params) => params) {
        const requests: any[] = [];
        client.socket.on('rpc-request', (payload: any, ack: (result?: unknown) => void) => {
            if (payload?.method !== method) return;
            requests.push(payload);
            const result = answer(payload.params);
            // `ack(undefined)` would travel as null; no value at all is `ack()`.
            if (result === undefined) ack();
            else ack(result);
        });
        client.socket.emit('rpc-register', { method });
        expect(await client.next('rpc-registered', (event) => event.method === method)).toEqual({ method });
        return requests;
    }

    const call = (client: TestSocket, payload: unknown, timeoutMs = 5000) => client.emitWithAck('rpc-call', payload, timeoutMs);

    /** The next `count` events of that name, counted from now. */
    function collect(client: TestSocket, event: string, count: number): Promise<any[]> {
        const seen: any[] = [];
        return new Promise((resolve) => {
            const listener = (payload: unknown) => {
                seen.push(payload);
                if (seen.length < count) return;
                client.socket.off(event, listener);
                resolve(seen);
            };
            client.socket.on(event, listener);
        });
    }

    it('relays an app call to the daemon and returns its ack verbatim', async () => {
        const { connect } = await server.account();
        const machineId = randomUUID();
        const daemon = await connect({ clientType: 'machine-scoped', machineId });
        const method = `${machineId}:spawn-happy-session`;
        const requests = await serve(daemon, method, () => 'ZW5jcnlwdGVkIHJlc3VsdA==');

        // happy-agent's one-shot socket: a token and nothing else.
        const agent = await connect();
        const reply = await call(agent, { method, params: 'ZW5jcnlwdGVkIHBhcmFtcw==' });
        expect(reply).toEqual({ ok: true, result: 'ZW5jcnlwdGVkIHJlc3VsdA==' });
        expect(Object.keys(reply)).toEqual(['ok', 'result']);
        expect(requests).toEqual([{ method, params: 'ZW5jcnlwdGVkIHBhcmFtcw==' }]);
        expect(Object.keys(requests[0])).toEqual(['method', 'params']);
    });

    it('relays app calls to a session process, and session calls to a method the app registered', async () => {
        const { connect } = await server.account();
        const sessionId = randomUUID();
        const session = await connect({ clientType: 'session-scoped', sessionId });
        const app = await connect({ clientType: 'user-scoped' });
        await serve(session, `${sessionId}:bash`, (params) => ({ stdout: `ran ${params.command}`, exitCode: 0, nested: [1, null] }));
        await serve(session, `${sessionId}:abort`, () => undefined);
        await serve(app, 'app:confirm', (params) => ({ confirmed: params }));

        expect(await call(app, { method: `${sessionId}:bash`, params: { command: 'ls' } })).toEqual({
            ok: true,
            result: { stdout: 'ran ls', exitCode: 0, nested: [1, null] },
        });
        // A target that acks with no value: `result` is absent, not null.
        const aborted = await call(app, { method: `${sessionId}:abort`, params: 'x' });
        expect(aborted).toEqual({ ok: true });
        expect('result' in aborted).toBe(false);

        expect(await call(session, { method: 'app:confirm', params: [true] })).toEqual({ ok: true, result: { confirmed: [true] } });
    });

    it('answers register and unregister with events of the exact shapes, and refuses bad names', async () => {
        const { connect } = await server.account();
        const app = await connect();
        const method = `${randomUUID()}:readFile`;
        await serve(app, method);
        app.socket.emit('rpc-unregister', { method });
        expect(await app.next('rpc-unregistered', (event) => event.method === method)).toEqual({ method });
        // Unregistering what was never registered is not an error (upstream).
        app.socket.emit('rpc-unregister', { method: 'never-registered' });
        expect(await app.next('rpc-unregistered', (event) => event.method === 'never-registered')).toEqual({
            method: 'never-registered',
        });

        const bad = [{ method: 42 }, { method: {} }, { method: '' }, {}, null, 'just-a-string', { method: 'x'.repeat(513) }];
        for (const type of ['register', 'unregister'] as const) {
            const errors = collect(app, 'rpc-error', bad.length + 1);
            for (const payload of bad) app.socket.emit(`rpc-${type}`, payload);
            app.socket.emit(`rpc-${type}`); // no payload at all
            expect(await errors).toEqual([...bad, undefined].map(() => ({ type, error: 'Invalid method name' })));
        }
    });

    it('bounds the number of methods one socket may register', async () => {
        const { connect } = await server.account();
        const daemon = await connect({ clientType: 'machine-scoped', machineId: randomUUID() });
        const registered = collect(daemon, 'rpc-registered', 512);
        for (let i = 0; i < 512; i++) daemon.socket.emit('rpc-register', { method: `m:${i}` });
        expect(await registered).toHaveLength(512);

        daemon.socket.emit('rpc-register', { method: 'm:one-too-many' });
        expect(await daemon.next('rpc-error')).toEqual({ type: 'register', error: 'Invalid method name' });
        // Registering a method again does not count twice; after an unregister there is room again.
        daemon.socket.emit('rpc-register', { method: 'm:7' });
        expect(await daemon.next('rpc-registered', (event) => event.method === 'm:7')).toEqual({ method: 'm:7' });
        daemon.socket.emit('rpc-unregister', { method: 'm:0' });
        await daemon.next('rpc-unregistered', (event) => event.method === 'm:0');
        await serve(daemon, 'm:latecomer', () => 'served');
        expect(await call(await connect(), { method: 'm:latecomer' })).toEqual({ ok: true, result: 'served' });
    });

    it('waits for a target that registers during the grace window', async () => {
        const { connect } = await server.account();
        const machineId = randomUUID();
        const method = `${machineId}:resume-happy-session`;
        const app = await connect();
        const pending = call(app, { method, params: 'p' }, 20_000);
        await sleep(1000);
        // The daemon reconnects and re-registers, as its connect handler does.
        const daemon = await connect({ clientType: 'machine-scoped', machineId });
        await serve(daemon, method, () => 'resumed');
        expect(await pending).toEqual({ ok: true, result: 'resumed' });
    });

    it('fails with RPC target disconnected when the target goes away mid-call', async () => {
        const { connect } = await server.account();
        const sessionId = randomUUID();
        const app = await connect();

        // The session process dies while handling the request.
        const dying = await connect({ clientType: 'session-scoped', sessionId });
        dying.socket.emit('rpc-register', { method: `${sessionId}:bash` });
        await dying.next('rpc-registered');
        dying.socket.on('rpc-request', () => dying.close());
        expect(await call(app, { method: `${sessionId}:bash`, params: 'p' }, 20_000)).toEqual({
            ok: false,
            error: 'RPC target disconnected',
        });

        // The target leaves the method's room without answering (caught by the membership poll,
        // the way a target on another node is).
        const leaving = await connect({ clientType: 'session-scoped', sessionId });
        leaving.socket.emit('rpc-register', { method: `${sessionId}:readFile` });
        await leaving.next('rpc-registered');
        leaving.socket.on('rpc-request', () => leaving.socket.emit('rpc-unregister', { method: `${sessionId}:readFile` }));
        expect(await call(app, { method: `${sessionId}:readFile`, params: 'p' }, 20_000)).toEqual({
            ok: false,
            error: 'RPC target disconnected',
        });
        expect(leaving.socket.connected).toBe(true);
    });

    it('refuses a call to the caller itself, but prefers another registered socket over the caller', async () => {
        const { connect } = await server.account();
        const sessionId = randomUUID();
        const method = `${sessionId}:permission`;
        const app = await connect();
        await serve(app, method, () => 'from the caller');
        expect(await call(app, { method, params: 'p' })).toEqual({ ok: false, error: 'Cannot call RPC on the same socket' });

        const session = await connect({ clientType: 'session-scoped', sessionId });
        await serve(session, method, () => 'from the session');
        expect(await call(app, { method, params: 'p' })).toEqual({ ok: true, result: 'from the session' });
    });

    it('prefers the most recently registered socket over an older one', async () => {
        const { connect } = await server.account();
        const machineId = randomUUID();
        const method = `${machineId}:stop-session`;
        // The old daemon socket is half-open: still registered, never answering.
        const stale = await connect({ clientType: 'machine-scoped', machineId });
        const staleRequests: unknown[] = [];
        stale.socket.on('rpc-request', (payload: unknown) => staleRequests.push(payload));
        stale.socket.emit('rpc-register', { method });
        await stale.next('rpc-registered');
        await sleep(5); // registration times are in ms

        const fresh = await connect({ clientType: 'machine-scoped', machineId });
        await serve(fresh, method, () => 'stopped');
        const app = await connect();
        expect(await call(app, { method, params: 'p' })).toEqual({ ok: true, result: 'stopped' });
        expect(await call(app, { method, params: 'q' })).toEqual({ ok: true, result: 'stopped' });
        expect(staleRequests).toEqual([]);
    });

    it('keeps accounts apart, and reports unavailable methods after the grace window', async () => {
        const { connect } = await server.account();
        const machineId = randomUUID();
        const method = `${machineId}:spawn-happy-session`;
        const daemon = await connect({ clientType: 'machine-scoped', machineId });
        const requests = await serve(daemon, method, () => 'spawned');
        const unregistered = `${machineId}:stop-daemon`;
        await serve(daemon, unregistered);
        daemon.socket.emit('rpc-unregister', { method: unregistered });
        await daemon.next('rpc-unregistered', (event) => event.method === unregistered);

        const { connect: connectOther } = await server.account();
        const other = await connect();
        const intruder = await connectOther();
        // Both wait out the grace window at the same time.
        const [foreign, gone] = await Promise.all([
            call(intruder, { method, params: 'p' }, NOT_AVAILABLE_WAIT_MS),
            call(other, { method: unregistered, params: 'p' }, NOT_AVAILABLE_WAIT_MS),
        ]);
        expect(foreign).toEqual({ ok: false, error: 'RPC method not available' });
        expect(gone).toEqual({ ok: false, error: 'RPC method not available' });

        // The same name registered by another account is a different method.
        const intruderRequests = await serve(intruder, method, () => 'its own');
        expect(await call(await connectOther(), { method, params: 'p' })).toEqual({ ok: true, result: 'its own' });
        expect(await call(other, { method, params: 'p' })).toEqual({ ok: true, result: 'spawned' });
        expect(intruderRequests).toHaveLength(1);
        expect(requests).toHaveLength(1);
        expect(intruderRequests).toHaveLength(1);
    });

    it('answers malformed calls with the error ack and keeps serving', async () => {
        const { connect } = await server.account();
        const sessionId = randomUUID();
        const session = await connect({ clientType: 'session-scoped', sessionId });
        const method = `${sessionId}:bash`;
        const requests = await serve(session, method, () => 'ok');
        const app = await connect();

        const invalid = { ok: false, error: 'Invalid parameters: method is required' };
        for (const payload of [{ method: 42 }, { method: {} }, { method: true }, { method: '' }, {}, null, 'bash', { method: 'x'.repeat(513) }]) {
            expect(await call(app, payload)).toEqual(invalid);
        }
        expect(await app.socket.timeout(5000).emitWithAck('rpc-call')).toEqual(invalid);

        // No ack function: nothing to answer, nothing breaks.
        app.socket.emit('rpc-call', { method: 42 });
        app.socket.emit('rpc-call', null);
        app.socket.emit('rpc-call', { method, params: 'fire-and-forget' });
        await session.next('rpc-request', (payload) => payload.params === 'fire-and-forget');

        // Missing params: relayed without them.
        expect(await call(app, { method })).toEqual({ ok: true, result: 'ok' });
        expect(requests.at(-1)).toEqual({ method });
        expect('params' in requests.at(-1)).toBe(false);

        await roundTrip(app);
        expect(await call(app, { method, params: 'still serving' })).toEqual({ ok: true, result: 'ok' });
    });
});
