import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder the test controls: a stand-in for a load balancer in front of the nodes, or
 * for the network between a node and Redis, Postgres or S3. It can drop every connection (a
 * network blip), be pointed at another backend (the balancer picks another node), stop listening
 * and listen again on the same port (an outage and its end), or swallow every byte while keeping
 * the connections open (a backend that stops answering), all without touching the shared services.
 */
export interface TcpProxy {
    readonly port: number;
    /** `scheme://127.0.0.1:port`. */
    url(scheme: 'http' | 'redis'): string;
    /** New connections go to this port from now on. */
    retarget(targetPort: number): void;
    /** Cuts every open connection; new ones are still accepted. */
    dropConnections(): void;
    /** Stops listening and cuts every connection: the backend looks gone. */
    cut(): Promise<void>;
    /** Listens again on the same port. */
    restore(): Promise<void>;
    /**
     * A black hole: every open connection and every new one stays open but carries nothing
     * either way, its bytes read and dropped, so that a peer waits for an answer that never
     * comes (no reset, no refusal, keep-alive probes answered). What is sent meanwhile is lost.
     */
    blackhole(): void;
    /**
     * New connections reach the backend again. Those that were in the hole stay there, as if
     * the backend behind them had vanished with what they sent: only their owner can end them.
     */
    forward(): void;
    close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
    let target = targetPort;
    let swallowing = false;
    const open = new Set<Socket>();
    const pairs = new Set<{ client: Socket; upstream: Socket }>();
    const track = (socket: Socket) => {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        socket.on('error', () => socket.destroy());
    };
    /** Reads and drops: no pipe, no data listener, flowing. */
    const swallow = (socket: Socket) => {
        socket.unpipe();
        socket.resume();
    };
    const server: Server = createServer((client) => {
        track(client);
        if (swallowing) {
            swallow(client);
            return;
        }
        const upstream = connect(target, '127.0.0.1');
        track(upstream);
        const pair = { client, upstream };
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => {
            upstream.destroy();
            pairs.delete(pair);
        });
        upstream.on('close', () => client.destroy());
    });
    const listen = (port: number) =>
        new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => {
                server.off('error', reject);
                resolve();
            });
        });
    const dropConnections = () => {
        for (const socket of open) socket.destroy();
    };
    const cut = async () => {
        const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
        dropConnections();
        await closed;
    };

    await listen(0);
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy did not bind a TCP port');
    const port = address.port;
    return {
        port,
        url: (scheme) => `${scheme}://127.0.0.1:${port}`,
        retarget(next) {
            target = next;
        },
        dropConnections,
        cut,
        restore: () => listen(port),
        blackhole() {
            swallowing = true;
            for (const { client, upstream } of pairs) {
                swallow(client);
                swallow(upstream);
            }
            pairs.clear();
        },
        forward() {
            swallowing = false;
        },
        close: cut,
    };
}
