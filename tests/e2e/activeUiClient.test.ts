import { describe, expect, it } from 'vitest';
import { hasActiveUiClient } from '../../sources/events/activeUiClient.ts';
import { roundTrip, type ClientAuth, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer } from '../harness/useTestServer.ts';
import { waitFor } from '../harness/waitFor.ts';

/** Push suppression's question (spec realtime.md §5.4); cluster.test.ts asks it across nodes. */
describe('hasActiveUiClient', () => {
    const server = useTestServer();

    async function account() {
        const { userId, connect } = await server.account();
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
