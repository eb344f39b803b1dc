import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PacketType } from 'socket.io-parser';
import WebSocket, { type RawData } from 'ws';
import type { Deps } from '../../deps.ts';
import type { AppSocket } from '../socket/socketTypes.ts';
import { EngineBridge, type BridgeSink } from './engineBridge.ts';
import { ackFrame, errorFrame, eventFrame, parseFrame, withBothFieldNames, type AckId } from './envelope.ts';
import { FORWARD_EVENT, FORWARD_MAX_BYTES, forwarded, isForwardable, type Forwarded } from './forwarding.ts';
import { authenticateMessage, TRY_AGAIN_LATER, type NativeIdentity } from './nativeAuth.ts';

/** What the gateway lends a connection. */
export interface ConnectionHost {
    deps: Pick<Deps, 'io' | 'tokens' | 'log' | 'config'>;
    /** The per-account limit, checked before an in-band authenticated connection joins. */
    admits(userId: string, asking: NativeConnection): Promise<boolean>;
    closed(connection: NativeConnection): void;
}

/**
 * - pending-auth: opened without credentials; only `auth` (and `ping`) is served until the deadline.
 * - authenticating: the `auth` message is being checked; frames wait in the queue.
 * - connecting: identity known, Socket.IO is accepting the socket; frames wait in the queue.
 * - open: frames go to Socket.IO, in arrival order.
 */
type State = 'pending-auth' | 'authenticating' | 'connecting' | 'open' | 'closed';

/**
 * Bounds on what a client can make this server hold before it is a Socket.IO socket (the
 * Hocuspocus advisory GHSA-xwhh-v746-pj9m, the same concern): an unauthenticated client gets
 * small frames and a short queue; an authenticated one a larger queue (the CLI writes right
 * after `open`, before `connected`), still bounded by count and bytes.
 */
const PRE_AUTH_MAX_FRAME_BYTES = 64 * 1024;
const PRE_AUTH_QUEUE = { frames: 16, bytes: 256 * 1024 };
const CONNECTING_QUEUE = { frames: 256, bytes: 32 * 1024 * 1024 };
/**
 * Client requests awaiting Socket.IO's ack. Fire-and-forget handlers (`message`, the alive
 * events) never ack, so an ackId sent with them would stay here: the oldest are dropped.
 */
const MAX_PENDING_ACKS = 1024;
/** Prefix of the ack ids this server puts on its own requests (`rpc-request`), told apart from the client's. */
const SERVER_ACK_PREFIX = 'server-';

/** Close codes of spec workers.md §1.5 (4000 is the one the CLI reads as a server disconnect). */
export const CLOSE = {
    goingAway: 1001,
    policy: 1008,
    tooBig: 1009,
    internal: 1011,
    serverDisconnect: 4000,
    authFailed: 4001,
    limitExceeded: 4005,
    authTimeout: 4007,
} as const;

/** One native WebSocket from upgrade to close, with an explicit state and an idempotent teardown. */
export class NativeConnection {
    readonly connectionId = randomUUID();
    private state: State;
    private identity: NativeIdentity | undefined;
    private bridge: EngineBridge | undefined;
    /** The Socket.IO socket the bridge became (its listeners tell which events have a handler). */
    private socket: AppSocket | undefined;
    private queue: RawData[] = [];
    private queuedBytes = 0;
    private readonly pendingAcks = new Map<number, AckId>();
    private nextAckId = 0;
    private authDeadline: NodeJS.Timeout | undefined;

    constructor(
        private readonly ws: WebSocket,
        private readonly request: IncomingMessage,
        private readonly host: ConnectionHost,
        identity: NativeIdentity | undefined,
    ) {
        ws.on('message', (raw) => this.onFrame(raw));
        // Not 'transport close': that reason makes Socket.IO keep the session for connection state
        // recovery, which a native client (it has no session id to send) can never resume.
        ws.on('close', () => this.terminate('client namespace disconnect'));
        ws.on('error', (error) => host.deps.log.debug({ err: error, connectionId: this.connectionId }, 'native socket error'));
        if (identity) {
            this.state = 'connecting';
            this.connect(identity);
        } else {
            this.state = 'pending-auth';
            // Absolute: traffic before the `auth` message does not extend it.
            this.authDeadline = setTimeout(() => this.authTimedOut(), host.deps.config.nativeWs.authTimeoutMs);
        }
    }

    get userId(): string | undefined {
        return this.identity?.userId;
    }

    get pendingAuth(): boolean {
        return this.state === 'pending-auth' || this.state === 'authenticating';
    }

    /** Closes the socket (the client sees `code`) and tears the connection down. */
    close(code: number, reason: string): void {
        if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
        this.terminate('server namespace disconnect');
    }

    private onFrame(raw: RawData): void {
        switch (this.state) {
            case 'open':
                return this.handle(raw);
            case 'pending-auth':
                return this.onPreAuthFrame(raw);
            case 'authenticating':
                return this.enqueue(raw, PRE_AUTH_QUEUE);
            case 'connecting':
                return this.enqueue(raw, CONNECTING_QUEUE);
            case 'closed':
                return;
        }
    }

    private onPreAuthFrame(raw: RawData): void {
        if (frameBytes(raw) > PRE_AUTH_MAX_FRAME_BYTES) return this.close(CLOSE.tooBig, 'Message too big');
        const parsed = parseFrame(raw);
        if (!parsed.ok) return this.sendRaw(errorFrame('error', 1002, parsed.error));
        const { event, data } = parsed.message;
        if (event === 'ping') return this.sendRaw(eventFrame('pong', { timestamp: Date.now() }));
        if (event !== 'auth') {
            return this.sendRaw(errorFrame('auth-error', CLOSE.authFailed, 'Connection not authenticated - send auth message first'));
        }
        const auth = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
        if (typeof auth.token !== 'string' || auth.token.length === 0) {
            return this.sendRaw(errorFrame('auth-error', CLOSE.authFailed, 'Auth message must include token'));
        }
        this.state = 'authenticating';
        void this.authenticate({ ...auth, token: auth.token }).catch((error: unknown) => {
            this.host.deps.log.error({ err: error, connectionId: this.connectionId }, 'native auth failed');
            this.close(CLOSE.internal, 'Internal error');
        });
    }

    private async authenticate(data: Record<string, unknown> & { token: string }): Promise<void> {
        const result = await authenticateMessage(this.host.deps, data);
        if (this.state !== 'authenticating') return;
        if (!result.ok) {
            // Every in-band failure closes with 4001, whatever the auth-error code said (§1.4),
            // except an outage, after which the client should come back.
            this.sendRaw(errorFrame('auth-error', result.code, result.message));
            if (result.close) return this.close(result.close, result.message);
            return this.close(CLOSE.authFailed, 'Authentication failed');
        }
        if (!(await this.host.admits(result.identity.userId, this))) {
            this.sendRaw(errorFrame('auth-error', CLOSE.limitExceeded, 'Connection limit exceeded'));
            return this.close(CLOSE.limitExceeded, 'Connection limit exceeded');
        }
        if (this.state !== 'authenticating') return;
        clearTimeout(this.authDeadline);
        this.state = 'connecting';
        this.connect(result.identity);
    }

    /**
     * The deadline passed. Before the `auth` message, the client's fault (4007). After it, the
     * check itself is what took too long (a database that stopped answering): the client is told
     * to come back (1013), not that it failed to authenticate.
     */
    private authTimedOut(): void {
        if (this.state === 'authenticating') {
            this.sendRaw(errorFrame('auth-error', TRY_AGAIN_LATER, 'Service unavailable'));
            return this.close(TRY_AGAIN_LATER, 'Service unavailable');
        }
        this.sendRaw(errorFrame('auth-error', CLOSE.authTimeout, 'Authentication timeout - auth message not received in time'));
        this.close(CLOSE.authTimeout, 'Authentication timeout');
    }

    private enqueue(raw: RawData, bounds: { frames: number; bytes: number }): void {
        this.queuedBytes += frameBytes(raw);
        this.queue.push(raw);
        if (this.queue.length > bounds.frames || this.queuedBytes > bounds.bytes) {
            this.close(CLOSE.policy, 'Too many messages before the connection was ready');
        }
    }

    /** Makes the connection a Socket.IO socket; `connected` and the queued frames follow its CONNECT. */
    private connect(identity: NativeIdentity): void {
        this.identity = identity;
        const happyClient = this.request.headers['x-happy-client'];
        this.bridge = new EngineBridge(
            this.request,
            {
                userId: identity.userId,
                scope: identity.scope,
                clientType: identity.scope.type,
                happyClient: typeof happyClient === 'string' ? happyClient : undefined,
                appState: undefined,
                native: { connectionId: this.connectionId, connectedAt: Date.now() },
            },
            this.sink(),
        );
        this.bridge.open(this.host.deps.io);
    }

    private sink(): BridgeSink {
        return {
            // Socket.IO writes CONNECT before its 'connection' listeners join rooms and add
            // handlers, all in the same tick: the queue is replayed once they are in place.
            onConnected: (socketId) => queueMicrotask(() => this.opened(socketId)),
            onEvent: (event, data, serverAckId) => {
                if (event === FORWARD_EVENT) return this.sendRaw(forwardedFrame(data));
                this.sendRaw(eventFrame(event, withBothFieldNames(event, data), serverAckId === undefined ? undefined : `${SERVER_ACK_PREFIX}${serverAckId}`));
            },
            onAck: (id, args) => {
                const ackId = this.pendingAcks.get(id);
                if (ackId === undefined) return;
                this.pendingAcks.delete(id);
                this.sendRaw(ackFrame(ackId, args[0]));
            },
            onClosedByServer: () => this.close(CLOSE.serverDisconnect, 'Server disconnect'),
        };
    }

    private opened(socketId: string | undefined): void {
        if (this.state !== 'connecting' || !this.identity) return;
        this.state = 'open';
        this.socket = socketId === undefined ? undefined : this.host.deps.io.of('/').sockets.get(socketId);
        const { userId, scope } = this.identity;
        this.sendRaw(
            eventFrame('connected', {
                connectionId: this.connectionId,
                userId,
                clientType: scope.type,
                ...(scope.type === 'session-scoped' && { sessionId: scope.sessionId }),
                ...(scope.type === 'machine-scoped' && { machineId: scope.machineId }),
                timestamp: Date.now(),
            }),
        );
        const queued = this.queue;
        this.queue = [];
        this.queuedBytes = 0;
        for (const raw of queued) this.handle(raw);
    }

    /** One frame of an open connection, handed to Socket.IO synchronously: arrival order is kept. */
    private handle(raw: RawData): void {
        if (this.state !== 'open') return;
        const parsed = parseFrame(raw);
        if (!parsed.ok) return this.sendRaw(errorFrame('error', 1002, parsed.error));
        const { event, data, ackId, ack } = parsed.message;
        // A reply to this server's own request (`rpc-response`); any other incoming ack is dropped (§1.6).
        if (ack !== undefined && ackId !== undefined) return this.answerServer(ackId, ack);
        if (event === 'ping') {
            this.sendRaw(eventFrame('pong', { timestamp: Date.now() }));
            // Socket.IO's ping handler acks `{}`: a client awaiting one gets it (the Workers server never answered).
            if (ackId === undefined) return;
        }
        if (event === 'auth' || event === FORWARD_EVENT) return;
        // The catalogue lists `rpc-request` from a client as another name of `rpc-call` (§1.11).
        const name = event === 'rpc-request' ? 'rpc-call' : event;
        if (this.socket && isForwardable(this.socket, name)) return this.forward(raw, name, data, ackId);
        const id = ackId === undefined ? undefined : this.trackAck(ackId);
        const sent = this.bridge!.send({
            type: PacketType.EVENT,
            nsp: '/',
            data: data === undefined ? [name] : [name, data],
            ...(id !== undefined && { id }),
        });
        if (sent) return;
        if (id !== undefined) this.pendingAcks.delete(id);
        this.sendRaw(errorFrame('error', 1002, 'Invalid message format'));
    }

    /** An event no handler takes, relayed to the account's other native sockets (forwarding.ts). */
    private forward(raw: RawData, event: string, data: unknown, ackId: AckId | undefined): void {
        if (frameBytes(raw) > FORWARD_MAX_BYTES) return this.sendRaw(errorFrame('error', CLOSE.tooBig, 'Message too big to forward'));
        this.bridge!.send({ type: PacketType.EVENT, nsp: '/', data: [FORWARD_EVENT, forwarded(event, data, ackId)] });
    }

    private trackAck(ackId: AckId): number {
        const id = this.nextAckId++;
        this.pendingAcks.set(id, ackId);
        if (this.pendingAcks.size > MAX_PENDING_ACKS) this.pendingAcks.delete(this.pendingAcks.keys().next().value!);
        return id;
    }

    private answerServer(ackId: AckId, ack: unknown): void {
        const match = typeof ackId === 'string' && ackId.startsWith(SERVER_ACK_PREFIX) ? Number(ackId.slice(SERVER_ACK_PREFIX.length)) : NaN;
        if (Number.isSafeInteger(match)) this.bridge!.send({ type: PacketType.ACK, nsp: '/', id: match, data: [ack] });
    }

    private sendRaw(text: string): void {
        if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    }

    /** Idempotent: the first of close(), the socket's 'close' and the server's disconnect wins. */
    private terminate(reason: string): void {
        if (this.state === 'closed') return;
        this.state = 'closed';
        clearTimeout(this.authDeadline);
        this.queue = [];
        this.pendingAcks.clear();
        this.bridge?.end(reason);
        this.host.closed(this);
    }
}

/** A relayed event as its sender wrote it: `{event, data, ackId}` (spec workers.md §1.7). */
function forwardedFrame(relayed: unknown): string {
    const { event, data, ackId } = relayed as Forwarded;
    return eventFrame(event, data, ackId ?? undefined);
}

function frameBytes(raw: RawData): number {
    if (Array.isArray(raw)) return raw.reduce((sum, chunk) => sum + chunk.length, 0);
    return raw instanceof ArrayBuffer ? raw.byteLength : raw.length;
}
