import { describe, expect, it } from 'vitest';
import type { RedisLink } from '../../sources/cluster/redisLink.ts';
import { createRedisRequestCounters } from '../../sources/cluster/redisRequestCounters.ts';
import { createMemoryRequestCounters } from '../../sources/cluster/requestCounters.ts';
import { createLogger } from '../../sources/monitoring/log.ts';
import { captureLines } from '../harness/logScan.ts';

describe('request counters', () => {
    it('count hits per key in a fixed window that starts with the first hit', async () => {
        let now = 1_000_000;
        const counters = createMemoryRequestCounters(() => now);
        expect(await counters.hit('a', 1000)).toEqual({ count: 1, resetInMs: 1000 });
        now += 400;
        expect(await counters.hit('a', 1000)).toEqual({ count: 2, resetInMs: 600 });
        expect(await counters.hit('b', 1000)).toEqual({ count: 1, resetInMs: 1000 });
        now += 600;
        expect(await counters.hit('a', 1000)).toEqual({ count: 1, resetInMs: 1000 });
    });

    it('count on this node while Redis is unreachable, saying so once each way', async () => {
        const replies: unknown[] = [];
        const link = {
            up: false,
            commands: {
                multi() {
                    const chain = { set: () => chain, incr: () => chain, pttl: () => chain, exec: async () => replies.shift() };
                    return chain;
                },
            },
        };
        const capture = captureLines();
        const counters = createRedisRequestCounters(link as unknown as RedisLink, 'p:', createLogger('info', { destination: capture.destination }), 'test limits');
        const messages = () => capture.records().map((record) => `${record.level} ${record.msg}`);

        // The link is down: counted here, one warning for any number of hits.
        for (let i = 1; i <= 3; i++) expect((await counters.hit('k', 60_000)).count).toBe(i);
        expect(messages()).toEqual(['40 redis unreachable: test limits counted on this node only until it returns']);

        // Redis answers again: its count is the one that matters, one line to say so.
        link.up = true;
        replies.push([[null, null], [null, 7], [null, 5000]], [[null, 'OK'], [null, 1], [null, 60_000]]);
        expect(await counters.hit('k', 60_000)).toEqual({ count: 7, resetInMs: 5000 });
        expect(await counters.hit('j', 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
        expect(messages().slice(1)).toEqual(['30 redis reachable again: test limits counted for the whole cluster again']);

        // A failing command falls back too (the local count carries on where it was).
        replies.push([[null, null], [new Error('LOADING'), null], [null, -2]], null);
        expect((await counters.hit('k', 60_000)).count).toBe(4);
        expect((await counters.hit('k', 60_000)).count).toBe(5);
        expect(messages().slice(2)).toEqual(['40 redis unreachable: test limits counted on this node only until it returns']);
    });
});
