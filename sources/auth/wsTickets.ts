import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived WebSocket tickets (spec workers.md §1.2, HAP-375): the Workers-generation app
 * trades its bearer token for one with `POST /v1/websocket/ticket` and opens the socket with
 * `?ticket=`, so the token itself never appears in a URL. The wire shape is the Workers one,
 * `base64url(JSON{userId, exp, nonce}) "." base64url(HMAC-SHA256)`; only this server reads it.
 *
 * Unlike the Workers server, a ticket is good for one connection: its nonce is remembered until
 * it expires. That memory is per node (a ticket replayed within its 30 s to another node of a
 * cluster would pass there once more); it is bounded by the ticket rate, entries leave at expiry.
 */
export interface WsTickets {
    issue(userId: string): string;
    /** The ticket's account, or null when it is malformed, forged, expired or already used. */
    redeem(ticket: string): string | null;
}

export const TICKET_TTL_MS = 30_000;
/** Clock skew accepted past `exp` (the Workers value). */
const SKEW_MS = 5_000;

export function createWsTickets(masterSecret: string, now: () => number = Date.now): WsTickets {
    const key = Buffer.from(hkdfSync('sha256', masterSecret, 'happy', 'websocket-ticket', 32));
    const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
    const used = new Map<string, number>();

    const forgetExpired = () => {
        const cutoff = now() - SKEW_MS;
        for (const [nonce, exp] of used) if (exp < cutoff) used.delete(nonce);
    };

    return {
        issue(userId) {
            const payload = Buffer.from(JSON.stringify({ userId, exp: now() + TICKET_TTL_MS, nonce: randomUUID() })).toString('base64url');
            return `${payload}.${sign(payload)}`;
        },
        redeem(ticket) {
            const [payload, signature, extra] = ticket.split('.');
            if (!payload || !signature || extra !== undefined) return null;
            const expected = Buffer.from(sign(payload));
            const given = Buffer.from(signature);
            if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
            const claims = parseClaims(payload);
            if (!claims || claims.exp + SKEW_MS < now()) return null;
            forgetExpired();
            if (used.has(claims.nonce)) return null;
            used.set(claims.nonce, claims.exp);
            return claims.userId;
        },
    };
}

function parseClaims(payload: string): { userId: string; exp: number; nonce: string } | null {
    try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
        const { userId, exp, nonce } = claims;
        if (typeof userId !== 'string' || typeof exp !== 'number' || typeof nonce !== 'string') return null;
        return { userId, exp, nonce };
    } catch {
        return null;
    }
}
