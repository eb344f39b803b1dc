import { startAdminServer } from './admin/adminServer.ts';
import { CliError } from './cli/backup.ts';
import { createProgram } from './cli/program.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createDeps } from './deps.ts';
import { createLogger } from './monitoring/log.ts';
import { startMetricsServer } from './monitoring/metricsServer.ts';
import { createServer } from './server.ts';
import { MigrationError } from './storage/migrator.ts';

/** The only place that reads argv, listens and handles signals; the commands are in cli/program.ts. */

const SHUTDOWN_DEADLINE_MS = 10_000;

async function migrate(): Promise<void> {
    const config = loadConfig();
    const log = createLogger(config.logLevel, { format: config.logFormat });
    const deps = await createDeps(config, { log, migrate: true });
    await deps.close();
    log.info('migrations are up to date');
}

async function serve(): Promise<void> {
    const config = loadConfig();
    const log = createLogger(config.logLevel, { format: config.logFormat });
    const deps = await createDeps(config, { log });
    const server = await createServer(deps);
    await server.app.listen({ port: config.port, host: config.host });
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const metrics = config.metrics.enabled
        ? await startMetricsServer(deps.metrics.registry, log, { port: config.metrics.port, host: config.host })
        : null;
    // The admin CLI's channel (doctor, backup, revoke-tokens); only this user can open it. Not
    // having it (a DATA_DIR path too long for a socket, say) leaves the server itself fine.
    const admin = await startAdminServer(deps).catch((error: unknown) => {
        log.error({ err: error }, 'admin socket unavailable: the CLI cannot reach this server (doctor, backup, revoke-tokens)');
        return undefined;
    });
    // From process start: what an operator waiting for /health sees.
    const startupMs = Math.round(process.uptime() * 1000);

    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
        if (stopping) {
            log.warn({ signal }, 'second signal: exiting now');
            process.exit(1);
        }
        stopping = true;
        log.info({ signal }, 'shutting down');
        setTimeout(() => {
            log.error('shutdown took longer than 10 s; exiting');
            process.exit(1);
        }, SHUTDOWN_DEADLINE_MS).unref();
        await metrics?.close();
        await admin?.close();
        await server.close();
        await deps.close();
        log.info('stopped');
        process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Only now: whoever waits for this line may signal the process at once.
    log.info({ port, metricsPort: metrics?.port ?? null, database: config.database.kind, startupMs }, 'ready');
}

process.on('unhandledRejection', (reason) => {
    // Logged, not fatal: one bad promise must not take every connected client down with it.
    console.error('unhandled rejection', reason);
});

createProgram({ serve, migrate }).parseAsync(process.argv).catch((error) => {
    if (error instanceof ConfigError || error instanceof MigrationError || error instanceof CliError) {
        console.error(error.message);
    } else {
        console.error('startup failed', error);
    }
    process.exit(1);
});
