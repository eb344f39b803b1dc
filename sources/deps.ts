import { resolveMasterSecret } from './auth/masterSecret.ts';
import { createTokenService, type TokenService } from './auth/tokens.ts';
import { MessageAppender } from './actions/session/messageAppender.ts';
import { createCluster, type Cluster } from './cluster/cluster.ts';
import type { Config } from './config.ts';
import { createEventRouter, type EventRouter } from './events/eventRouter.ts';
import { createLogger, type Logger } from './monitoring/log.ts';
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
    tokens: TokenService;
    /** Socket.IO, created here so actions can emit; createServer attaches it to HTTP. */
    io: AppServer;
    /** Redis-backed seams when REDIS_URL is set (several nodes), in-memory ones otherwise. */
    cluster: Cluster;
    events: EventRouter;
    presence: ActivityCache;
    messages: MessageAppender;
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
    const log = options.log ?? createLogger(config.logLevel);
    const masterSecret = await resolveMasterSecret(config, log);
    const db = await createDb(config.database);
    try {
        if (options.migrate ?? true) await migrate(db.sql, log);
        const tokens = await createTokenService(masterSecret);
        const cluster = createCluster(config, log, { prefix: options.clusterPrefix });
        const io = createSocketServer(cluster.adapter, config.connectionRecoveryMs);
        const events = createEventRouter(io, log);
        const presence = new ActivityCache(db.prisma, cluster.sessionStops, log);
        // PGlite is one connection in this thread: a second batch in flight would only queue.
        // Postgres gets four of its ten pooled connections, leaving the rest to everything else.
        const messages = new MessageAppender(db.sql, events, db.kind === 'pglite' ? 1 : 4);
        return {
            config,
            log,
            db,
            tokens,
            io,
            cluster,
            events,
            presence,
            messages,
            async close() {
                await messages.close();
                await presence.close();
                await cluster.close();
                await db.close();
            },
        };
    } catch (error) {
        await db.close().catch(() => {});
        throw error;
    }
}
