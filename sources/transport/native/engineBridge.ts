import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Decoder, Encoder, isPacketValid, PacketType, type Packet } from 'socket.io-parser';
import type { AppServer, SocketData } from '../socket/socketTypes.ts';

/** What Socket.IO says to the native client, decoded. */
export interface BridgeSink {
    /**
     * Socket.IO accepted the connection as socket `socketId`: in the same tick it joins its rooms
     * and gets its handlers.
     */
    onConnected(socketId: string | undefined): void;
    /** An event for the client; `serverAckId` when Socket.IO awaits an answer (an `rpc-request`). */
    onEvent(event: string, data: unknown, serverAckId: number | undefined): void;
    /** Socket.IO's answer to the client's request `id`. */
    onAck(id: number, args: unknown[]): void;
    /** Socket.IO dropped the connection (a server-side disconnect, a revocation, an error). */
    onClosedByServer(): void;
}

const encoder = new Encoder();

/**
 * A native WebSocket connection presented to Socket.IO as one more Engine.IO connection, so it
 * becomes an ordinary server-side Socket.IO socket: it joins the same rooms, runs the same
 * handlers and middleware, is reached by the same adapter broadcasts (on this node or, through
 * Redis, from any node), and answers fetchSockets/emitWithAck like any socket. Only the framing
 * differs, and that is all this class translates: Socket.IO packets in, Socket.IO packets out.
 *
 * It implements the part of engine.io's Socket that socket.io's Client uses: `id`, `protocol`,
 * `request`, `remoteAddress`, `readyState`, `transport.writable`, `write()`, `close()`, and the
 * 'data' / 'close' events; it enters through the engine's 'connection' event, like any transport.
 */
export class EngineBridge extends EventEmitter {
    readonly id = randomUUID();
    readonly protocol = 4;
    readonly transport = { name: 'native-websocket', writable: true };
    readyState: 'open' | 'closed' = 'open';
    private readonly decoder = new Decoder();

    constructor(
        readonly request: IncomingMessage,
        /** Who the gateway authenticated: the socket middleware adopts it (nativeSocketData). */
        readonly socketData: SocketData,
        private readonly sink: BridgeSink,
    ) {
        super();
        this.decoder.on('decoded', (packet: Packet) => this.fromServer(packet));
    }

    get remoteAddress(): string | undefined {
        return this.request.socket.remoteAddress;
    }

    /** Hands the connection to Socket.IO and joins the main namespace, as a client's CONNECT would. */
    open(io: AppServer): void {
        io.engine.emit('connection', this);
        this.send({ type: PacketType.CONNECT, nsp: '/' });
    }

    /** A packet from the native client; false (and nothing sent) when Socket.IO's parser would refuse it. */
    send(packet: Packet): boolean {
        if (this.readyState !== 'open' || !isPacketValid(packet)) return false;
        for (const encoded of encoder.encode(packet)) this.emit('data', encoded);
        return true;
    }

    /** engine.io's Socket#write: an encoded packet from Socket.IO for the client. */
    write(encoded: string | Buffer): void {
        if (this.readyState === 'open') this.decoder.add(encoded);
    }

    /** engine.io's Socket#close: Socket.IO ends the connection (its Client cleans up on its own). */
    close(): void {
        if (!this.shut()) return;
        this.sink.onClosedByServer();
    }

    /** The native socket is gone: Socket.IO runs the disconnect handlers (`reason` as theirs). */
    end(reason: string): void {
        if (this.shut()) this.emit('close', reason);
    }

    private shut(): boolean {
        if (this.readyState === 'closed') return false;
        this.readyState = 'closed';
        this.decoder.destroy();
        return true;
    }

    private fromServer(packet: Packet): void {
        switch (packet.type) {
            case PacketType.CONNECT:
                return this.sink.onConnected((packet.data as { sid?: string } | undefined)?.sid);
            case PacketType.EVENT:
            case PacketType.BINARY_EVENT: {
                // Socket.IO appends the recovery offset to broadcasts: only the first argument is data.
                const [event, data] = packet.data as [string, unknown];
                return this.sink.onEvent(event, data, packet.id);
            }
            case PacketType.ACK:
            case PacketType.BINARY_ACK:
                return this.sink.onAck(packet.id!, packet.data as unknown[]);
            default:
                // DISCONNECT (a server-side socket.disconnect()) or CONNECT_ERROR: the connection is over.
                return this.close();
        }
    }
}

/** The identity the gateway established, when `conn` is one of its connections (socketAuth.ts). */
export function nativeSocketData(conn: unknown): SocketData | undefined {
    return conn instanceof EngineBridge ? conn.socketData : undefined;
}
