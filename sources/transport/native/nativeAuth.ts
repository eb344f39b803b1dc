import type { IncomingMessage } from 'node:http';
import { checkToken } from '../../auth/checkToken.ts';
import type { Deps } from '../../deps.ts';
import type { ConnectionScope } from '../socket/socketTypes.ts';

/** Who a native connection is, once authenticated. */
export interface NativeIdentity {
    userId: string;
    scope: ConnectionScope;
}

/** Upgrade-time result (spec workers.md §1.2): an identity, none yet (message auth), or an HTTP refusal. */
export type UpgradeAuth =
    | { ok: true; identity: NativeIdentity | undefined }
    | { ok: false; status: number; message: string };

/**
 * In-band result (§1.4): the failure carries the `auth-error` code, and the close code when it is
 * not 4001 (an outage: the client must retry, not drop its token).
 */
export type MessageAuth = { ok: true; identity: NativeIdentity } | { ok: false; code: number; message: string; close?: number };

/** WebSocket close code 1013, "Try Again Later" (RFC 6455 registry). */
export const TRY_AGAIN_LATER = 1013;
const UNAVAILABLE = 'Service unavailable';

type ScopeInput = { clientType?: unknown; sessionId?: unknown; machineId?: unknown };
type ScopeResult = { ok: true; scope: ConnectionScope } | { ok: false; code: 4003 | 4004; message: string };

/** Ids become room names: bounded like RPC method names. */
const MAX_ID_LENGTH = 256;
const id = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH ? value : undefined);

/** An unknown or absent clientType is user-scoped, as in every Workers branch (§1.3). */
export function scopeOf({ clientType, sessionId, machineId }: ScopeInput): ScopeResult {
    if (clientType === 'session-scoped') {
        const sid = id(sessionId);
        return sid
            ? { ok: true, scope: { type: 'session-scoped', sessionId: sid } }
            : { ok: false, code: 4003, message: 'Session ID required for session-scoped connections' };
    }
    if (clientType === 'machine-scoped') {
        const mid = id(machineId);
        return mid
            ? { ok: true, scope: { type: 'machine-scoped', machineId: mid } }
            : { ok: false, code: 4004, message: 'Machine ID required for machine-scoped connections' };
    }
    return { ok: true, scope: { type: 'user-scoped' } };
}

const header = (request: IncomingMessage, name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
};

/** A query value, or the header the CLI sends the same thing in (the Workers route read only the query: §0.7). */
const param = (query: URLSearchParams, request: IncomingMessage, name: string, headerName: string) =>
    query.get(name) || header(request, headerName) || undefined;

function bearer(request: IncomingMessage): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header(request, 'authorization') ?? '');
    return match?.[1];
}

/**
 * Checks in the Workers route's order: a ticket wins over a token, the query token over the
 * Authorization header. Without any credential the upgrade is accepted and the client must
 * authenticate in-band (the Workers route refused these, so its message auth was unreachable).
 * Tokens are this server's, checked by the same guarded verify as the Socket.IO handshake.
 */
export async function authenticateUpgrade(
    deps: Pick<Deps, 'tokens' | 'tickets'>,
    request: IncomingMessage,
    query: URLSearchParams,
): Promise<UpgradeAuth> {
    let userId: string;
    const ticket = query.get('ticket');
    if (ticket) {
        const owner = await deps.tickets.redeem(ticket);
        if (!owner) return { ok: false, status: 401, message: 'Invalid or expired ticket' };
        userId = owner;
    } else {
        const token = query.get('token') || bearer(request);
        if (!token) return { ok: true, identity: undefined };
        const verified = await checkToken(deps.tokens, token);
        if (verified === 'unavailable') return { ok: false, status: 503, message: UNAVAILABLE };
        if (!verified) return { ok: false, status: 401, message: 'Invalid authentication token' };
        userId = verified.userId;
    }
    const scope = scopeOf({
        clientType: param(query, request, 'clientType', 'x-client-type'),
        sessionId: param(query, request, 'sessionId', 'x-session-id'),
        machineId: param(query, request, 'machineId', 'x-machine-id'),
    });
    if (!scope.ok) return { ok: false, status: 400, message: scope.message };
    return { ok: true, identity: { userId, scope: scope.scope } };
}

/** The `auth` message's data (§1.4): token first, then the scope. */
export async function authenticateMessage(deps: Pick<Deps, 'tokens'>, data: ScopeInput & { token: string }): Promise<MessageAuth> {
    const verified = await checkToken(deps.tokens, data.token);
    if (verified === 'unavailable') return { ok: false, code: TRY_AGAIN_LATER, message: UNAVAILABLE, close: TRY_AGAIN_LATER };
    if (!verified) return { ok: false, code: 4001, message: 'Invalid authentication token' };
    const scope = scopeOf(data);
    if (!scope.ok) return scope;
    return { ok: true, identity: { userId: verified.userId, scope: scope.scope } };
}
