import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppServer } from '../socket/socketTypes.ts';
import type { NativeGateway } from './nativeGateway.ts';

/** Where the Workers-generation clients connect (spec workers.md §1.1); `/v1/updates` is Socket.IO's path too. */
const NATIVE_PATHS = new Set(['/v1/updates', '/v1/updates/', '/v1/websocket', '/v1/websocket/']);

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * One path, two protocols (spec workers.md §0.1): Engine.IO always sends `EIO=<version>` in the
 * query and native clients never do. Engine.IO's own 'upgrade' listener (installed by
 * io.attach) claims every URL under `/v1/updates/` and would answer a native client there with
 * a 400, so it is taken off the server and called from here instead, for everything that is not
 * a native upgrade: Socket.IO sees exactly what it saw before, plus `/v1/updates?EIO=` without
 * the trailing slash, which it otherwise dropped.
 */
export function routeUpgrades(httpServer: HttpServer, io: AppServer, gateway: NativeGateway): void {
    const engineListeners = httpServer.listeners('upgrade') as UpgradeListener[];
    httpServer.removeAllListeners('upgrade');
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = parseUrl(request.url);
        const engineIo = url?.searchParams.has('EIO') ?? false;
        if (url && NATIVE_PATHS.has(url.pathname)) {
            if (!engineIo) return gateway.handleUpgrade(request, socket, head);
            if (url.pathname === '/v1/updates') return io.engine.handleUpgrade(request, socket, head);
        }
        for (const listener of engineListeners) listener.call(httpServer, request, socket, head);
    });
}

function parseUrl(url: string | undefined): URL | undefined {
    try {
        return new URL(url ?? '/', 'http://localhost');
    } catch {
        return undefined;
    }
}
