import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotOf } from '../harness/fuzz/accountSnapshot.ts';
import { idFieldsOf, idKindOf, pinnedIds, registerRpcMethod, resourceOf, seedAccount, type OwnedIds } from '../harness/fuzz/ownedIds.ts';
import { wellFormedRequest } from '../harness/fuzz/requestArbitrary.ts';
import { routeName, routesOf, type RouteSpec } from '../harness/fuzz/routes.ts';
import { argumentsArbitrary, eventsOf, jsonSchemaOf, type EventSpec } from '../harness/fuzz/socketEvents.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { useTestServer, type TestAccount } from '../harness/useTestServer.ts';

/** Candidates tried per route or event until one passes validation (the id is what must fail). */
const CANDIDATES = 40;

/**
 * Where another account's id is answered with something other than a 404 (spec rest.md §3):
 * a new id that is taken, or a route that never reports a missing resource.
 */
const DOCUMENTED: Record<string, { status: number; why: string }> = {
    'POST /v1/artifacts': { status: 409, why: 'rest.md §3.6: the id exists under another account' },
    'POST /v1/machines': { status: 409, why: 'rest.md weak spot 25: ids are a global key; upstream answered 500' },
    'POST /v1/push-tokens': { status: 200, why: "rest.md §3.4: unique per (account, token): the caller's own row" },
    'DELETE /v1/push-tokens/{token}': { status: 200, why: "rest.md §3.4: deletes the caller's rows with that token, none" },
    'POST /v1/kv/bulk': { status: 200, why: "rest.md §3.8: keys name the caller's own entries; none by those names, so no values" },
    'POST /v1/websocket/broadcast': { status: 200, why: "workers.md §2.4: the caller's own sockets only; none is in that session" },
};

/**
 * Where another account's key is a name in the caller's own namespace, so either answer of the
 * route is right: rest.md §3.8, a mutation with version -1 creates the caller's own key (200), any
 * other version is a mismatch against its absent one (409). A's data is checked unchanged below.
 */
const OWN_NAMESPACE: Record<string, number[]> = { 'POST /v1/kv': [200, 409] };

const isErrorAck = (ack: any) => ack?.result === 'error' || ack?.ok === false || ack?.success === false;

/**
 * Account B uses every id of account A at every route and event that takes one (found from
 * /openapi.json and the socket's listeners: a new route or event with an id is covered with no
 * edit here, its kind of id read from the parameter's name). B gets A's resources reported as
 * missing, A's data is the same before and after, and B's socket, listening throughout, never
 * hears of A's resources.
 */
describe('Authorization matrix: another account\'s ids', () => {
    const server = useTestServer();
    let victim: TestAccount;
    let intruder: TestAccount;
    let victimIds: OwnedIds;
    let listener: TestSocket;
    let victimSocket: TestSocket;
    let before: Record<string, unknown>;
    const victimRpcCalls: unknown[] = [];

    beforeAll(async () => {
        victim = await server.account();
        intruder = await server.account();
        victimIds = await seedAccount(server.url, victim);
        await seedAccount(server.url, intruder);
        victimSocket = await victim.connect();
        await registerRpcMethod(victimSocket, victimIds);
        victimSocket.socket.on('rpc-request', (payload: unknown) => victimRpcCalls.push(payload));
        listener = await intruder.connect();
        before = await snapshotOf(victim, victimIds);
    });

    const victimIdsOf = (resource: string) => pinnedIds(resource, victimIds);
    /** The case really tried one: a request that sent none of A's ids would prove nothing. */
    const carriesVictimId = (sent: string) => Object.values(victimIds).some((id) => sent.includes(id));

    it('answers every route that takes an id with not-found and changes nothing', { timeout: 600_000 }, async () => {
        const routes = routesOf((await server.request('GET', '/openapi.json')).body).filter((route) => route.authenticated && takesId(route));
        expect(routes.map(routeName)).toEqual(
            expect.arrayContaining(['GET /v3/sessions/{sessionId}/messages', 'DELETE /v1/machines/{id}', 'POST /v1/kv', 'POST /v1/kv/bulk']),
        );
        const outcomes: string[] = [];
        for (const route of routes) {
            const candidates = fc.sample(wellFormedRequest(route, intruder.token, victimIdsOf(resourceOf(route.path))), { numRuns: CANDIDATES, seed: 42 });
            let answer = { status: 0, text: '', carried: false };
            for (const request of candidates) {
                const response = await fetch(`${server.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' });
                answer = { status: response.status, text: (await response.text()).slice(0, 200), carried: carriesVictimId(`${decoded(request.path)} ${request.body ?? ''}`) };
                if (answer.status !== 400) break;
            }
            const expected = OWN_NAMESPACE[routeName(route)] ?? [DOCUMENTED[routeName(route)]?.status ?? 404];
            const verdict = !answer.carried ? 'sent none of the other account\'s ids' : expected.includes(answer.status) ? 'ok' : `${answer.status} ${answer.text}`;
            outcomes.push(`${routeName(route)} -> ${verdict}`);
        }
        const nested = routes.filter((route) => idFieldsOf(route.body, resourceOf(route.path)).some(isNested));
        console.log(`Authorization matrix: ${routes.length} routes, ${nested.length} with ids nested in body arrays or objects (${nested.map(routeName).join(', ')})`);
        expect(outcomes.filter((outcome) => !outcome.endsWith('-> ok'))).toEqual([]);
        expect(await snapshotOf(victim, victimIds)).toEqual(before);
    });

    it('refuses every event that takes an id and changes nothing', { timeout: 600_000 }, async () => {
        const intruderSocket = await intruder.connect();
        const events = eventsOf(server.deps.io.sockets.sockets.get(intruderSocket.socket.id!)!).filter(eventTakesId);
        expect(events.map((spec) => spec.event)).toEqual(expect.arrayContaining(['update-metadata', 'message', 'rpc-call', 'artifact-read']));
        const outcomes: string[] = [];
        for (const spec of events) {
            const [payload] = fc
                .sample(argumentsArbitrary(spec, { mode: 'valid', ids: victimIdsOf(''), pinIds: true }), { numRuns: CANDIDATES, seed: 42 })
                .map(([value]) => value)
                .filter((value) => spec.schema!.safeParse(value).success);
            if (payload === undefined) {
                outcomes.push(`${spec.event} -> no valid payload generated`);
                continue;
            }
            if (!carriesVictimId(JSON.stringify(payload))) {
                outcomes.push(`${spec.event} -> sent none of the other account's ids`);
                continue;
            }
            if (spec.acked) {
                const ack = await intruderSocket.emitWithAck(spec.event, payload, 60_000);
                if (!isErrorAck(ack)) outcomes.push(`${spec.event} -> ${JSON.stringify(ack).slice(0, 200)}`);
            } else {
                intruderSocket.socket.emit(spec.event, payload);
                await roundTrip(intruderSocket);
            }
        }
        const nested = events.filter((spec) => idFieldsOf(jsonSchemaOf(spec.schema!)).some(isNested));
        console.log(`Authorization matrix: ${events.length} events, ${nested.length} with ids nested in payload arrays or objects`);
        expect(outcomes).toEqual([]);
        expect(await snapshotOf(victim, victimIds)).toEqual(before);
        expect(victimRpcCalls).toEqual([]);
    });

    it("never lets the other account's socket hear of the first account's resources", async () => {
        // A writes once more: its own socket hears it, B's (listening since the start) must not.
        await victim.request('POST', `/v3/sessions/${victimIds.session}/messages`, { body: { messages: [{ localId: 'last', content: 'AAAA' }] } });
        await victimSocket.next('update', (update) => update.body?.t === 'new-message');
        await roundTrip(listener);
        const heard = JSON.stringify([listener.updates, listener.ephemerals]);
        for (const id of Object.values(victimIds)) expect(heard).not.toContain(id);
        expect(heard).not.toContain(victim.userId);
    });
});

/** An id in the path, the query, or anywhere in the body (`mutations[].key`, `filter.sessionId`). */
function takesId(route: RouteSpec): boolean {
    const resource = resourceOf(route.path);
    const inUrl = [...route.params, ...route.query].some((p) => idKindOf(p.name, resource) !== undefined);
    return inUrl || idFieldsOf(route.body, resource).length > 0;
}

function eventTakesId(spec: EventSpec): boolean {
    return spec.schema !== undefined && idFieldsOf(jsonSchemaOf(spec.schema)).length > 0;
}

/** `mutations[].key`, `filter.sessionId`: not a top-level field. */
const isNested = (path: string) => /[.[]/.test(path);

function decoded(path: string): string {
    try {
        return decodeURIComponent(path);
    } catch {
        return path;
    }
}
