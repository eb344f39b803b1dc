import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder the test controls: a stand-in for a load balancer in front of the nodes, or
 * for the network between a node and Redis. It can drop every connection (a network blip), be
 * pointed at another backend (the balancer picks another node), or stop listening and listen
 * again on the same port (an outage and its end), all without touching the shared services.
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
    close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
    let target = targetPort;
    const open = new Set<Socket>();
    const track = (socket: Socket) => {
        open.add(socket);
        socket.on('close', () => open.delete(socket));
        socket.on('error', () => socket.destroy());
    };
    const server: Server = createServer((client) => {
        const upstream = connect(target, '127.0.0.1');
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
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
        close: cut,
    };
}
