/**
 * The used-ticket register that makes a WebSocket ticket good for one connection (auth/wsTickets.ts).
 * On one node a map is enough; in a cluster the Redis driver makes the first node to claim a
 * nonce the only one, so a ticket replayed to another node within its lifetime is refused too.
 */
export interface TicketNonces {
    /** True for the first claim of `nonce`; it is remembered until `expiresAt` (ms since epoch). */
    claim(nonce: string, expiresAt: number): Promise<boolean>;
}

/** Past this many nonces, expired ones are swept (not on every claim: a burst of reconnects stays linear). */
const PRUNE_ABOVE = 10_000;

/** Expired entries count as absent, and are swept once the map grows past PRUNE_ABOVE. */
export function createMemoryTicketNonces(now: () => number = Date.now): TicketNonces {
    const used = new Map<string, number>();
    return {
        async claim(nonce, expiresAt) {
            const t = now();
            const until = used.get(nonce);
            if (until !== undefined && until >= t) return false;
            if (used.size >= PRUNE_ABOVE) for (const [known, end] of used) if (end < t) used.delete(known);
            used.set(nonce, expiresAt);
            return true;
        },
    };
}
