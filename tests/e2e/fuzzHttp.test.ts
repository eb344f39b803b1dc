import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../sources/monitoring/log.ts';
import { changedTables, fingerprinter, type Fingerprint } from '../harness/fuzz/fingerprint.ts';
import { idSource, pinnedIds, resourceOf, seedAccount, type OwnedIds } from '../harness/fuzz/ownedIds.ts';
import { boundaryRequests, requestArbitrary, type FuzzRequest } from '../harness/fuzz/requestArbitrary.ts';
import { routeName, routesOf, type RouteSpec } from '../harness/fuzz/routes.ts';
import { fuzzSettings } from '../harness/fuzz/settings.ts';
import { captureLines } from '../harness/logScan.ts';
import { GENEROUS_LIMITS } from '../harness/generousLimits.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

const settings = fuzzSettings(30);

/**
 * Every route of /openapi.json (so a new route is fuzzed with no edit here) gets generated
 * requests: inputs derived from its own schemas, then broken (wrong types, missing and extra
 * fields, boundary and huge values, hostile path segments and query strings, malformed JSON,
 * wrong content types, bad tokens), with ids of the fuzzing account, of another account and of
 * nobody. Invariants: no 5xx (but a declined feature), no error logged, nothing written by a refused
 * (4xx) request.
 */
describe(`HTTP fuzz (seed ${settings.seed}, ${settings.runs} runs per route)`, () => {
    const errors = captureLines();
    const server = useTestServer({ env: GENEROUS_LIMITS, log: createLogger('error', { destination: errors.destination }) });
    let routes: RouteSpec[];
    let fuzzer: TestAccount;
    let owned: OwnedIds[];
    let print: () => Promise<Fingerprint>;

    beforeAll(async () => {
        console.log(`HTTP fuzz seed ${settings.seed} (replay: FUZZ_SEED=${settings.seed})`);
        const victim = await server.account();
        fuzzer = await server.account();
        owned = [await seedAccount(server.url, fuzzer), await seedAccount(server.url, victim)];
        // Deletes last: a focused request that deletes the fuzzer's own session would leave every
        // later route a 404 at the ownership check, short of the code the fuzz is after.
        const deletesLast = (route: RouteSpec) => (route.method === 'DELETE' ? 1 : 0);
        routes = routesOf((await server.request('GET', '/openapi.json')).body).sort((a, b) => deletesLast(a) - deletesLast(b));
        print = await fingerprinter(server.deps.db);
    });

    it('finds the routes in the API document', () => {
        expect(routes.length).toBeGreaterThan(40);
        expect(routes.map(routeName)).toContain('GET /v3/sessions/{sessionId}/messages');
    });

    it('answers every generated request without a 5xx, a logged error or a write it refused', { timeout: 3_600_000 }, async () => {
        let cases = 0;
        const bounds = { query: 0, body: 0 };
        const failures: string[] = [];
        for (const [index, route] of routes.entries()) {
            const resource = resourceOf(route.path);
            const requests = requestArbitrary(route, fuzzer.token, idSource(resource, owned[0]!, ...owned.slice(1)), pinnedIds(resource, owned[0]!));
            const boundary = boundaryRequests(route, fuzzer.token, pinnedIds(resource, owned[0]!));
            bounds.query += boundary.query.length;
            bounds.body += boundary.body.length;
            const failure = await fc.check(
                fc.asyncProperty(requests, async (request) => {
                    cases++;
                    const before = await print();
                    const errorsBefore = errors.lines.length;
                    const { status, text } = await send(server.url, request);
                    const where = `${request.method} ${request.path.slice(0, 300)} -> ${status} ${text.slice(0, 300)}`;
                    if (!isDeclinedFeature(status, text)) expect(status, where).toBeLessThan(500);
                    expect(errors.lines.slice(errorsBefore), where).toEqual([]);
                    if (status >= 400) expect(changedTables(before, await print()), where).toEqual([]);
                }),
                // The boundary cases first, then as many random ones as without them (fast-check
                // counts examples among numRuns).
                {
                    ...settings.parameters(index),
                    numRuns: settings.runs + boundary.query.length + boundary.body.length,
                    examples: [...boundary.query, ...boundary.body].map((request) => [request]),
                },
            );
            if (failure.failed) failures.push(`${routeName(route)}: ${String(failure.errorInstance)}\n${fc.defaultReportMessage(failure)}`);
        }
        console.log(
            `HTTP fuzz: ${cases} requests over ${routes.length} routes, of them the boundary pass: ${bounds.query} query parameters and ${bounds.body} body fields (at any depth) at a bound`,
        );
        // Every route is fuzzed before failing, so one run reports all the routes that break.
        expect(failures).toEqual([]);
    });

    it('is still up and answering afterwards', async () => {
        expect((await server.request('GET', '/health')).status).toBe(200);
    });
});

/**
 * The one 5xx allowed: upstream's own 500 `{error}` for a feature this server has no credentials
 * for or a third party that failed (the `unavailable` failure of actions, spec rest.md §3.12-3.13).
 * It is a decision, never a crash: a crash gets the generic three-field 500 and an error line.
 */
function isDeclinedFeature(status: number, text: string): boolean {
    if (status !== 500) return false;
    try {
        const body = JSON.parse(text) as Record<string, unknown>;
        return Object.keys(body).length === 1 && typeof body.error === 'string';
    } catch {
        return false;
    }
}

async function send(url: string, request: FuzzRequest): Promise<{ status: number; text: string }> {
    const response = await fetch(`${url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
    });
    return { status: response.status, text: await response.text() };
}
