import { describe, expect, it } from 'vitest';
import { createMemoryTicketNonces } from '../../sources/cluster/ticketNonces.ts';

describe('used-ticket register on one node', () => {
    it('grants the first claim of a nonce only, and forgets it once expired', async () => {
        let now = 1_000;
        const nonces = createMemoryTicketNonces(() => now);
        expect(await nonces.claim('n1', 2_000)).toBe(true);
        expect(await nonces.claim('n1', 2_000)).toBe(false);
        expect(await nonces.claim('n2', 2_000)).toBe(true);
        now = 2_001;
        expect(await nonces.claim('n1', 3_000)).toBe(true);
    });
});
