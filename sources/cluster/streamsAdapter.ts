import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Namespace, ServerOptions } from 'socket.io';
import type { RedisLink } from './redisLink.ts';

/** Upstream's stream settings (spec realtime.md §1.2); the stream name is the cluster prefix. */
const MAX_LEN = 200_000;
const READ_COUNT = 2_000;

type NamespaceAdapter = ReturnType<ReturnType<typeof createAdapter>>;

export interface StreamsAdapter {
    adapter: ServerOptions['adapter'];
    /** Head of the stream minus the last entry this node read, in ms (metrics). */
    lagMs(): Promise<number>;
    /** Stops the XREAD loop; io.close() does it too, this covers a server that never started. */
    close(): void;
}

/** The millisecond part of a stream entry id (`<ms>-<seq>`). */
const entryMs = (id: string) => Number(id.split('-', 1)[0]);

/**
 * The Socket.IO Redis streams adapter: broadcasts (and so connection state recovery) go through
 * the stream `<prefix>`, requests and acks (fetchSockets, emitWithAck) through PUB/SUB channels
 * `<prefix>#/#...`, recovery sessions under `<prefix>:session:<pid>`. Peers are counted with
 * PUBSUB NUMSUB, so a node that stops is out of the count as soon as its connections close.
 */
export function createStreamsAdapter(link: RedisLink, prefix: string): StreamsAdapter {
    const factory = createAdapter(link.commands, {
        streamName: prefix,
        channelPrefix: prefix,
        sessionKeyPrefix: `${prefix}:session:`,
        maxLen: MAX_LEN,
        readCount: READ_COUNT,
    });
    const adapters = new Set<NamespaceAdapter>();
    let lastRead: string | undefined;
    return {
        // A plain function: Socket.IO calls it with `new`, which an arrow function refuses.
        adapter: function namespaceAdapter(nsp: Namespace) {
            const adapter = factory(nsp);
            const countPeers = adapter.serverCount.bind(adapter);
            // While Redis is away no peer can hear this node or answer it: counting only itself
            // lets fetchSockets and acked emits (RPC) answer from local sockets at once instead of
            // waiting for replies that cannot come. Socket.IO does not catch this promise.
            adapter.serverCount = () => (link.up ? countPeers().catch(() => 1) : Promise.resolve(1));
            // Replies cross as MessagePack, which has no undefined: an ack with no value (an RPC
            // target's `ack()`) would reach the caller's node as null, unlike on one node.
            // Without the key it arrives as undefined.
            const respond = adapter['doPublishResponse'].bind(adapter);
            adapter['doPublishResponse'] = (requester, response) => {
                const data = response.data as { packet?: unknown };
                if ('packet' in data && data.packet === undefined) delete data.packet;
                return respond(requester, response);
            };
            const onRawMessage = adapter.onRawMessage.bind(adapter);
            adapter.onRawMessage = (message, offset) => {
                lastRead = offset;
                return onRawMessage(message, offset);
            };
            adapters.add(adapter);
            return adapter;
        },
        async lagMs() {
            const info = (await link.commands.xinfo('STREAM', prefix).catch((error: Error) => {
                // Nothing was ever published: nothing to lag behind.
                if (/no such key/i.test(error.message)) return null;
                throw error;
            })) as unknown[] | null;
            if (!info) return 0;
            const head = String(info[info.indexOf('last-generated-id') + 1]);
            // Before this node has read an entry, the head it first saw is where it stands: a
            // reader that never moves then shows a growing lag rather than none.
            lastRead ??= head;
            return Math.max(0, entryMs(head) - entryMs(lastRead));
        },
        close() {
            // Idempotent: the library only aborts its read loop once the last namespace closed.
            for (const adapter of adapters) adapter.close();
        },
    };
}
