import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../harness/keyClient.ts';
import { connectNative, upgradeResult } from '../harness/nativeClient.ts';
import { skipClusterTests, startTestCluster, type TestCluster } from '../harness/testCluster.ts';

// A WebSocket ticket (spec workers.md §1.2) opens one connection in the whole cluster.
describe.skipIf(skipClusterTests)('WebSocket tickets on two nodes', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
        cluster = await startTestCluster(2);
    });
    afterAll(async () => {
        await cluster?.dispose();
    });

    it('accepts a ticket issued by one node on another, once, and refuses it on every node after', async () => {
        const [a, b] = [cluster.nodes[0]!.url, cluster.nodes[1]!.url];
        const { token } = await login(a);
        const response = await fetch(`${a}/v1/websocket/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        const { ticket } = (await response.json()) as { ticket: string };

        const client = await connectNative(b, { query: { ticket } });
        expect(await client.next('connected')).toMatchObject({ clientType: 'user-scoped' });
        client.close();
        for (const url of [a, b]) {
            expect(await upgradeResult(url, { query: { ticket } })).toEqual({ status: 401, body: 'Invalid or expired ticket' });
        }
    });
});
