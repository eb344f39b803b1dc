import { describe, expect, it } from 'vitest';
import { createMemoryUploadRequests } from '../../sources/cluster/uploadRequests.ts';

describe('the in-memory upload-request limit (one node)', () => {
    it('allows 60 per user in a 60 s window that starts with the first request', async () => {
        let now = 1_000_000;
        const limiter = createMemoryUploadRequests(() => now);
        const consume = (user: string) => limiter.consumeUploadRequest(user);
        for (let i = 0; i < 60; i++) expect(await consume('a')).toBe(true);
        expect(await consume('a')).toBe(false);
        expect(await consume('b')).toBe(true);

        now += 59_999;
        expect(await consume('a')).toBe(false);
        now += 1;
        expect(await consume('a')).toBe(true);
        // The new window started at that request, not at a wall-clock minute.
        for (let i = 0; i < 59; i++) expect(await consume('a')).toBe(true);
        expect(await consume('a')).toBe(false);
    });

});
