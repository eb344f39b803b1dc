import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasActiveUiClient } from '../../sources/events/activeUiClient.ts';
import { login } from '../harness/keyClient.ts';
import { connectSocket, roundTrip, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { startTestServer, type TestServer } from '../harness/testServer.ts';
import { waitFor } from '../harness/waitFor.ts';

/** Push suppression's question (spec realtime.md §5.4); cluster.test.ts asks it across nodes. */
describe('hasActiveUiClient', () => {
    let server: TestServer;
    const open: TestSocket[] = [];
    beforeAll(async () => {
        server = await startTestServer();
    });
    afterAll(async () => {
        for (const client of open) client.close();
        await server?.dispose();
    });

    async function account() {
        const { token } = await login(server.url);
        const userId = (await server.deps.tokens.verify(token))!.userId;
        const connect = async (auth: ClientAuth & { appState?: string } = {}) => {
            const client = await connectSocket(server.url, token, auth);
            open.push(client);
            return client;
        };
        const setState = async (client: TestSocket, state: string) => {
            client.socket.emit('app-state', { state });
            await roundTrip(client);
        };
        return { userId, connect, setState, active: () => hasActiveUiClient(server.deps.io, userId) };
    }

    it('counts only UI sockets in the foreground', async () => {
        const { connect, setState, active } = await account();
        expect(await active()).toBe(false);
        await setState(await connect({ clientType: 'session-scoped', sessionId: 's' }), 'active');
        await setState(await connect({ clientType: 'machine-scoped', machineId: 'm' }), 'active');
        expect(await active()).toBe(false);

        const app = await connect({ clientType: 'user-scoped' });
        expect(await active()).toBe(false);
        await setState(app, 'active');
        expect(await active()).toBe(true);
        await setState(app, 'background');
        expect(await active()).toBe(false);
    });

    it('counts a socket that gave no clientType, as it is routed like an app (weak spot 30)', async () => {
        const { connect, active } = await account();
        const client = await connect({ appState: 'active' } as ClientAuth);
        expect(await active()).toBe(true);
        const id = client.socket.id!;
        client.close();
        await waitFor('the server to drop the socket', () => !server.deps.io.of('/').sockets.has(id));
        expect(await active()).toBe(false);
    });

    it("ignores another account's apps", async () => {
        const mine = await account();
        const theirs = await account();
        await theirs.setState(await theirs.connect({ clientType: 'user-scoped' }), 'active');
        expect(await theirs.active()).toBe(true);
        expect(await mine.active()).toBe(false);
    });
});
