import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../sources/monitoring/log.ts';
import { eventsSettled } from '../../sources/transport/socket/pendingEvents.ts';
import { changedTables, fingerprinter, type Fingerprint } from '../harness/fuzz/fingerprint.ts';
import { boundaryInputs } from '../harness/fuzz/boundaries.ts';
import { idSource, pinnedIds, registerRpcMethod, seedAccount, type OwnedIds } from '../harness/fuzz/ownedIds.ts';
import { fuzzSettings } from '../harness/fuzz/settings.ts';
import { argumentsArbitrary, eventsOf, jsonSchemaOf, type EventSpec } from '../harness/fuzz/socketEvents.ts';
import { captureLines } from '../harness/logScan.ts';
import { roundTrip, type TestSocket } from '../harness/socketClient.ts';
import { GENEROUS_LIMITS } from '../harness/generousLimits.ts';
import { useTestServer } from '../harness/useTestServer.ts';

const settings = fuzzSettings(8);

/**
 * Longest an awaited event may take before its ack: an `rpc-call` to a method nobody registered
 * looks for a target for 15 s, one to a silent target waits 30 s. Only a missing ack gets here.
 */
const ACK_WAIT_MS = 60_000;
/** Longest a case waits for the handlers of earlier emits before it compares the database. */
const HANDLERS_WAIT_MS = 3_000;

/**
 * Every event a connected socket answers (read from its listeners, so a new event is fuzzed with
 * no edit here) gets generated emits: payloads derived from its schema and broken the way the
 * HTTP fuzz breaks bodies, sometimes no payload, an extra argument or raw bytes, with and without
 * an ack callback, with ids of this account, another one and nobody. Invariants: the socket stays
 * connected, no error is logged, every awaited event is acked, a payload its schema refuses
 * writes nothing.
 */
describe(`Socket fuzz (seed ${settings.seed}, ${settings.runs} runs per event)`, () => {
    const errors = captureLines();
    const server = useTestServer({ env: GENEROUS_LIMITS, log: createLogger('error', { destination: errors.destination }) });
    let client: TestSocket;
    let events: EventSpec[];
    let owned: OwnedIds[];
    let print: () => Promise<Fingerprint>;

    beforeAll(async () => {
        console.log(`Socket fuzz seed ${settings.seed} (replay: FUZZ_SEED=${settings.seed})`);
        const victim = await server.account();
        const fuzzer = await server.account();
        owned = [await seedAccount(server.url, fuzzer), await seedAccount(server.url, victim)];
        client = await fuzzer.connect();
        // Both accounts' methods exist, so calls reach a target (or are refused) at once.
        await registerRpcMethod(client, owned[0]!);
        await registerRpcMethod(await victim.connect(), owned[1]!);
        events = eventsOf(server.deps.io.sockets.sockets.get(client.socket.id!)!);
        print = await fingerprinter(server.deps.db);
    });

    /**
     * A print taken once the effects of earlier emits have landed: their handlers have finished
     * (or run past a few seconds: an RPC call waits for its target and writes nothing), and two
     * prints around a round trip agree.
     */
    async function settled(): Promise<Fingerprint> {
        const socket = server.deps.io.sockets.sockets.get(client.socket.id!)!;
        await Promise.race([eventsSettled(socket), new Promise((resolve) => setTimeout(resolve, HANDLERS_WAIT_MS))]);
        for (let previous = await print(); ; ) {
            await roundTrip(client);
            const current = await print();
            if (changedTables(previous, current).length === 0) return current;
            previous = current;
        }
    }

    it('finds the events on the socket', () => {
        const names = events.map((spec) => spec.event);
        expect(names).toEqual(expect.arrayContaining(['message', 'update-metadata', 'rpc-call', 'artifact-update', 'ping']));
        expect(events.filter((spec) => spec.schema).length).toBeGreaterThan(10);
    });

    it('survives every generated emit: connected, nothing logged, acked when awaited, nothing written when refused', { timeout: 3_600_000 }, async () => {
        let cases = 0;
        let bounds = 0;
        const failures: string[] = [];
        for (const [index, spec] of events.entries()) {
            const acks: Array<Promise<unknown>> = [];
            const errorsAtStart = errors.lines.length;
            const emits = fc.tuple(argumentsArbitrary(spec, { mode: 'hostile', ids: idSource('', owned[0]!, ...owned.slice(1)) }), fc.boolean());
            // Each field of the payload, at any depth, once at each bound (boundaries.ts), awaited.
            const boundary = spec.schema ? boundaryInputs(jsonSchemaOf(spec.schema), pinnedIds('', owned[0]!)) : [];
            bounds += boundary.length;
            const failure = await fc.check(
                fc.asyncProperty(emits, async ([args, withAck]) => {
                    cases++;
                    const before = await settled();
                    const errorsBefore = errors.lines.length;
                    const where = `${spec.event} ${JSON.stringify(args)?.slice(0, 300)} (ack: ${withAck})`;
                    if (withAck && spec.acked) {
                        // Awaited after the run: an RPC call may rightly take its full timeout.
                        acks.push(client.socket.timeout(ACK_WAIT_MS).emitWithAck(spec.event, ...args).catch(() => Promise.reject(new Error(`no ack: ${where}`))));
                    } else if (withAck) {
                        client.socket.emit(spec.event, ...args, () => {});
                    } else {
                        client.socket.emit(spec.event, ...args);
                    }
                    await roundTrip(client);
                    expect(client.socket.connected, where).toBe(true);
                    expect(errors.lines.slice(errorsBefore), where).toEqual([]);
                    const refused = spec.schema !== undefined && !spec.schema.safeParse(args[0]).success;
                    if (refused) expect(changedTables(before, await print()), where).toEqual([]);
                }),
                // The boundary cases first, then as many random ones as without them.
                {
                    ...settings.parameters(index),
                    numRuns: settings.runs + boundary.length,
                    examples: boundary.map(({ input }): [[unknown[], boolean]] => [[[input], true]]),
                },
            );
            if (failure.failed) failures.push(`${spec.event}: ${String(failure.errorInstance)}\n${fc.defaultReportMessage(failure)}`);
            for (const outcome of await Promise.allSettled(acks)) if (outcome.status === 'rejected') failures.push(String(outcome.reason));
            // Errors of emits whose handling outlived their case (deferred acks) land here.
            const logged = errors.lines.slice(errorsAtStart);
            if (logged.length) failures.push(`${spec.event}: ${logged.length} error lines, the first: ${logged[0]!.slice(0, 600)}`);
        }
        console.log(`Socket fuzz: ${cases} emits over ${events.length} events, of them the boundary pass: ${bounds} payload fields (at any depth) at a bound`);
        expect(failures).toEqual([]);
    });

    it('is still up and answering afterwards', async () => {
        expect((await server.request('GET', '/health')).status).toBe(200);
        expect(await client.emitWithAck('ping')).toEqual({});
    });
});
