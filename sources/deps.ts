import { createKeyTree, type KeyTree } from './auth/keyTree.ts';
import { resolveMasterSecret } from './auth/masterSecret.ts';
import { createOAuthStateTokens, type OAuthStateTokens } from './auth/oauthState.ts';
import { createTokenRevocations, type TokenRevocations } from './auth/revocations.ts';
import { createTokenService, type TokenService } from './auth/tokens.ts';
import { createWsTickets, type WsTickets } from './auth/wsTickets.ts';
import { MessageAppender } from './actions/session/messageAppender.ts';
import { createCluster, type Cluster } from './cluster/cluster.ts';
import type { Config } from './config.ts';
import { createEventRouter, type EventRouter } from './events/eventRouter.ts';
import { rooms } from './events/rooms.ts';
import { createExpoPush, type ExpoPush } from './integrations/expoPush.ts';
import { createOutbound, type Outbound } from './integrations/outbound.ts';
import { createVoice, type Voice } from './integrations/voice.ts';
import { createBlobStore, type BlobStore } from './files/blobStore.ts';
import { registerCollectors } from './monitoring/collectors.ts';
import { openClientLogSink, type ClientLogSink } from './monitoring/clientLogSink.ts';
import { createLogger, type Logger } from './monitoring/log.ts';
import { createMetrics, type Metrics } from './monitoring/metrics.ts';
import { queryTimer } from './monitoring/queryTiming.ts';
import { createReadiness, registerHealthOf, type Readiness } from './monitoring/readiness.ts';
import { ActivityCache } from './presence/activityCache.ts';
import { createDb, type Db } from './storage/db.ts';
import { migrate } from './storage/migrator.ts';
import { createSocketServer } from './transport/socket/socketServer.ts';
import type { AppServer } from './transport/socket/socketTypes.ts';

/** Everything stateful the server uses, built once per server instance (no module singletons). */
export interface Deps {
    config: Config;
    log: Logger;
    db: Db;
    /** Verifies signatures, then refuses tokens of revoked accounts (auth/revocations.ts). */
    tokens: TokenService;
    revocations: TokenRevocations;
    /** Encrypts the third-party tokens kept at rest (vendor keys, GitHub), upstream-compatible. */
    keyTree: KeyTree;
    /** The single-purpose `state` tokens of the GitHub OAuth round trip. */
    oauthState: OAuthStateTokens;
    /** The one-use `?ticket=` credentials of native WebSocket clients (POST /v1/websocket/ticket). */
    tickets: WsTickets;
    /** Socket.IO, created here so actions can emit; createServer attaches it to HTTP. */
    io: AppServer;
    /** Redis-backed seams when REDIS_URL is set (several nodes), in-memory ones otherwise. */
    cluster: Cluster;
    events: EventRouter;
    presence: ActivityCache;
    messages: MessageAppender;
    /** Blob storage (S3 or DATA_DIR/files): attachments, avatars, uploads. */
    files: BlobStore;
    /** This server's Prometheus registry and series (served by monitoring/metricsServer.ts). */
    metrics: Metrics;
    /** The dependencies `GET /ready` checks; register more with `readiness.register`. */
    readiness: Readiness;
    /** Requests to third parties, with deadlines; aborted at close. */
    outbound: Outbound;
    /** ElevenLabs and RevenueCat for voice chat (each undefined without its key). */
    voice: Voice;
    /** Expo's push service. */
    push: ExpoPush;
    /** The client log file, with DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING only. */
    clientLog: ClientLogSink | undefined;
    /** Commits queued messages and presence writes, then closes Redis and the database. */
    close(): Promise<void>;
}

export interface CreateDepsOptions {
    log?: Logger;
    /** Apply pending migrations before serving (the default; `migrate` runs them on its own). */
    migrate?: boolean;
    /** Redis stream name and key prefix (tests isolate clusters with it); upstream's by default. */
    clusterPrefix?: string;
}

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<Deps> {
    const log = options.log ?? createLogger(config.logLevel, { format: config.logFormat });
    const masterSecret = await resolveMasterSecret(config, log);
    // The key derivation (PBKDF2 in libuv's pool, ~0.2 s) overlaps opening the database.
    const tokensReady = createTokenService(masterSecret);
    tokensReady.catch(() => {}); // awaited below, where a failure surfaces
    const metrics = createMetrics();
    const db = await createDb(config.database, queryTimer(metrics));
    try {
        if (options.migrate ?? true) await migrate(db.longSql, log);
        // Checked before anything starts: an unreachable bucket stops start-up naming the variable.
        const files = await createBlobStore(config.files);
        await files.init();
        const cluster = createCluster(config, log, { prefix: options.clusterPrefix });
        const io = createSocketServer(cluster.adapter, config.connectionRecoveryMs);
        const revocations = createTokenRevocations(db.sql, cluster.revocations);
        const tokens = revocations.guard(await tokensReady);
        // Sockets authenticated before a revocation hold revoked tokens: this node drops its own,
        // and the clients that still hold a valid token reconnect with it.
        revocations.onRevoked((accountId) => io.in(rooms.user(accountId)).local.disconnectSockets(true));
        const events = createEventRouter(io, log, metrics);
        const presence = new ActivityCache(db.prisma, cluster.sessionStops, log, metrics);
        // PGlite is one connection in this thread: a second batch in flight would only queue.
        // Postgres gets four of its ten pooled connections, leaving the rest to everything else.
        const messages = new MessageAppender(db.sql, events, db.kind === 'pglite' ? 1 : 4, metrics);
        const readiness = createReadiness();
        readiness.register('database', () => db.sql.query('SELECT 1').then(() => true));
        readiness.register('redis', () => cluster.health());
        registerHealthOf(readiness, 'blobStore', files);
        registerCollectors(metrics, { db, cluster, log });
        const outbound = createOutbound();
        const clientLog = config.voicePush.clientLogSink ? openClientLogSink(config.dataDir) : undefined;
        return {
            config,
            log,
            db,
            tokens,
            revocations,
            keyTree: createKeyTree(masterSecret),
            oauthState: createOAuthStateTokens(masterSecret),
            tickets: createWsTickets(masterSecret, cluster.ticketNonces),
            io,
            cluster,
            events,
            presence,
            messages,
            files,
            metrics,
            readiness,
            outbound,
            voice: createVoice(config.voicePush, masterSecret, outbound),
            push: createExpoPush(config.voicePush.expo, outbound),
            clientLog,
            async close() {
                outbound.close();
                clientLog?.close();
                await messages.close();
                await presence.close();
                await cluster.close();
                await files.close();
                await db.close();
            },
        };
    } catch (error) {
        await db.close().catch(() => {});
        throw error;
    }
}
