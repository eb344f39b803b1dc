import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../harness/http.ts';
import { login } from '../harness/keyClient.ts';
import { connectError, connectSocket } from '../harness/socketClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';
import { waitFor } from '../harness/waitFor.ts';

// A revocation made on one node holds on every node at once: node B has the account's
// "not revoked" state cached and a socket open when node A revokes.
describe.skipIf(skipClusterTests)('token revocation across nodes', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
        cluster = await startTestCluster(2);
    });
    afterAll(async () => {
        await cluster?.dispose();
    });

    it('refuses the old token on every node, REST and socket, and drops open sockets', async () => {
        const [a, b] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0]];
        const { token, keys } = await login(a.url);
        const userId = (await a.deps.tokens.verify(token))!.userId;
        for (const node of [a, b]) expect((await request(node.url, 'GET', '/v1/sessions', { token })).status).toBe(200);
        const onB = await connectSocket(b.url, token);

        expect(await a.deps.revocations.revoke(userId)).toMatchObject({ notified: true });
        for (const node of [a, b]) {
            const refused = await request(node.url, 'GET', '/v1/sessions', { token });
            expect(refused.status).toBe(401);
            expect(refused.body).toEqual({ error: 'Invalid token' });
            expect(await connectError(node.url, { token })).toBe('Invalid authentication token');
        }
        await waitFor('the socket on node B dropped', () => !onB.socket.connected);
        onB.close();

        const again = await login(b.url, keys);
        for (const node of [a, b]) expect((await request(node.url, 'GET', '/v1/sessions', { token: again.token })).status).toBe(200);
    });
});
