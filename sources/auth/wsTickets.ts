import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { TicketNonces } from '../cluster/ticketNonces.ts';

/**
 * Short-lived WebSocket tickets (spec workers.md §1.2, HAP-375): the Workers-generation app
 * trades its bearer token for one with `POST /v1/websocket/ticket` and opens the socket with
 * `?ticket=`, so the token itself never appears in a URL. The wire shape is the Workers one,
 * `base64url(JSON{userId, exp, nonce}) "." base64url(HMAC-SHA256)`; only this server reads it.
 *
 * Unlike the Workers server, a ticket is good for one connection: its nonce is claimed in the
 * cluster's used-ticket register (cluster/ticketNonces.ts) until it expires, so a replay is
 * refused on every node.
 */
export interface WsTickets {
    issue(userId: string): string;
    /** The ticket's account, or null when it is malformed, forged, expired or already used. */
    redeem(ticket: string): Promise<string | null>;
}

export const TICKET_TTL_MS = 30_000;
/** Clock skew accepted past `exp` (the Workers value). */
const SKEW_MS = 5_000;

export function createWsTickets(masterSecret: string, nonces: TicketNonces, now: () => number = Date.now): WsTickets {
    const key = Buffer.from(hkdfSync('sha256', masterSecret, 'happy', 'websocket-ticket', 32));
    const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
    return {
        issue(userId) {
            const payload = Buffer.from(JSON.stringify({ userId, exp: now() + TICKET_TTL_MS, nonce: randomUUID() })).toString('base64url');
            return `${payload}.${sign(payload)}`;
        },
        async redeem(ticket) {
            const [payload, signature, extra] = ticket.split('.');
            if (!payload || !signature || extra !== undefined) return null;
            const expected = Buffer.from(sign(payload));
            const given = Buffer.from(signature);
            if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
            const claims = parseClaims(payload);
            if (!claims || claims.exp + SKEW_MS < now()) return null;
            // Remembered for as long as the ticket would be accepted.
            return (await nonces.claim(claims.nonce, claims.exp + SKEW_MS)) ? claims.userId : null;
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
