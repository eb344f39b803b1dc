import type { ExtendedError } from 'socket.io';
import { checkToken } from '../../auth/checkToken.ts';
import type { TokenService } from '../../auth/tokens.ts';
import { nativeSocketData } from '../native/engineBridge.ts';
import type { AppSocket, ConnectionScope } from './socketTypes.ts';

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Namespace middleware: runs before the client sees `connect`, so handlers are in place before
 * its first event. Rejection messages and their order are upstream's (spec realtime.md §2.2).
 */
export function createSocketAuth(tokens: TokenService) {
    return async (socket: AppSocket, next: (error?: ExtendedError) => void) => {
        // A native WebSocket connection was authenticated by its gateway (ticket, token or the
        // `auth` message); it is recognised by its connection object, which no client can forge.
        const native = nativeSocketData(socket.conn);
        if (native) {
            socket.data = native;
            return next();
        }
        const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
        const token = auth.token;
        const clientType = typeof auth.clientType === 'string' ? auth.clientType : undefined;
        const sessionId = text(auth.sessionId);
        const machineId = text(auth.machineId);
        if (!token) return next(new Error('Missing authentication token'));
        if (clientType === 'session-scoped' && !sessionId) {
            return next(new Error('Session ID required for session-scoped clients'));
        }
        if (clientType === 'machine-scoped' && !machineId) {
            return next(new Error('Machine ID required for machine-scoped clients'));
        }
        const verified = typeof token === 'string' ? await checkToken(tokens, token) : null;
        // In a database outage the token is not invalid (a client told so would drop it).
        if (verified === 'unavailable') return next(new Error('Service unavailable'));
        if (!verified) return next(new Error('Invalid authentication token'));

        let scope: ConnectionScope = { type: 'user-scoped' };
        if (clientType === 'session-scoped' && sessionId) scope = { type: 'session-scoped', sessionId };
        if (clientType === 'machine-scoped' && machineId) scope = { type: 'machine-scoped', machineId };
        const header = socket.handshake.headers['x-happy-client'];
        socket.data = {
            userId: verified.userId,
            scope,
            clientType,
            happyClient: text(auth.happyClient) ?? (typeof header === 'string' ? header : undefined),
            appState: auth.appState === undefined ? undefined : auth.appState === 'active' ? 'active' : 'background',
        };
        next();
    };
}
