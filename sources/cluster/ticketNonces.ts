/**
 * The used-ticket register that makes a WebSocket ticket good for one connection (auth/wsTickets.ts).
 * On one node a map is enough; in a cluster the Redis driver makes the first node to claim a
 * nonce the only one, so a ticket replayed to another node within its lifetime is refused too.
 */
export interface TicketNonces {
    /** True for the first claim of `nonce`; it is remembered until `expiresAt` (ms since epoch). */
    claim(nonce: string, expiresAt: number): Promise<boolean>;
}

/** Entries leave once expired; their number is bounded by the ticket rate limit times the lifetime. */
export function createMemoryTicketNonces(now: () => number = Date.now): TicketNonces {
    const used = new Map<string, number>();
    return {
        async claim(nonce, expiresAt) {
            const t = now();
            for (const [known, until] of used) if (until < t) used.delete(known);
            if (used.has(nonce)) return false;
            used.set(nonce, expiresAt);
            return true;
        },
    };
}
