import type { TestSocket } from './socketClient.ts';
import type { TcpProxy } from './tcpProxy.ts';
import type { TestServer } from './testServer.ts';
import { waitFor } from './waitFor.ts';

export const portOf = (node: Pick<TestServer, 'url'>) => Number(new URL(node.url).port);

/**
 * A network blip between a client and its node, which sits behind `balancer`: the connection
 * drops, `whileAway` runs once `from` has seen the socket go (and saved its session), then the
 * same Socket object reconnects with socket.connect(), as happy-cli's own reconnect loop does,
 * through the balancer (retargeted beforehand to land on another node). socket.io-client resends
 * its session id and last offset by itself; no client change is involved.
 */
export async function dropAndReconnect(client: TestSocket, balancer: TcpProxy, from: Pick<TestServer, 'deps'>, whileAway: () => Promise<void>) {
    const id = client.socket.id!;
    balancer.dropConnections();
    await waitFor('the client to notice', () => !client.socket.connected);
    await waitFor('the node to let go', () => !from.deps.io.of('/').sockets.has(id));
    await whileAway();
    await new Promise<void>((resolve, reject) => {
        client.socket.once('connect', resolve);
        client.socket.once('connect_error', reject);
        client.socket.connect();
    });
}
