import { randomBytes } from 'node:crypto';
import { call, createSession, inParallel, loginNewAccount } from './clients.ts';
import type { ServerProcess } from './serverProcess.ts';
import { percentile, round } from './stats.ts';

export interface HistoryResult {
    query: string;
    p50Ms: number;
    p99Ms: number;
}

const BATCH = 100;

/**
 * Reading a long session: `messages` messages appended through the v3 REST route, then the
 * pages clients ask for timed one request at a time: the CLI catching up at the end
 * (`after_seq`), the app opening the session and scrolling back (`before_seq`), the legacy list.
 */
export async function runMessageHistory(server: ServerProcess, messages: number, samples = 200): Promise<HistoryResult[]> {
    const token = await loginNewAccount(server.url);
    const sessionId = await createSession(server.url, token);
    const content = randomBytes(256).toString('base64');
    await inParallel(Math.ceil(messages / BATCH), 4, (b) =>
        call(server.url, token, 'POST', `/v3/sessions/${sessionId}/messages`, {
            messages: Array.from({ length: BATCH }, (_, i) => ({ localId: `h${b}-${i}`, content })),
        }),
    );
    const queries: Array<[string, string]> = [
        ['v3 after_seq = newest - 100 (CLI catch-up)', `/v3/sessions/${sessionId}/messages?after_seq=${messages - 100}&limit=100`],
        ['v3 after_seq = 0 (oldest page)', `/v3/sessions/${sessionId}/messages?after_seq=0&limit=100`],
        ['v3 before_seq = newest + 1 (app opens)', `/v3/sessions/${sessionId}/messages?before_seq=${messages + 1}&limit=100`],
        ['v3 before_seq = middle (scrolling back)', `/v3/sessions/${sessionId}/messages?before_seq=${messages / 2}&limit=100`],
        ['v1 newest 150 (legacy)', `/v1/sessions/${sessionId}/messages`],
    ];
    const results: HistoryResult[] = [];
    for (const [query, path] of queries) {
        const timings: number[] = [];
        for (let i = 0; i < samples; i++) {
            const started = performance.now();
            await call(server.url, token, 'GET', path);
            timings.push(performance.now() - started);
        }
        timings.sort((a, b) => a - b);
        results.push({ query, p50Ms: round(percentile(timings, 50), 2), p99Ms: round(percentile(timings, 99), 2) });
    }
    return results;
}
