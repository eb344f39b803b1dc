import { ConfigError, loadConfig } from './config.ts';
import { createDeps } from './deps.ts';
import { createLogger } from './monitoring/log.ts';
import { startMetricsServer } from './monitoring/metricsServer.ts';
import { createServer } from './server.ts';
import { MigrationError } from './storage/migrator.ts';

/** The only place that reads argv, listens and handles signals. */

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(command: string): Promise<void> {
    const config = loadConfig();
    const log = createLogger(config.logLevel, { format: config.logFormat });
    if (command === 'migrate') {
        const deps = await createDeps(config, { log, migrate: true });
        await deps.close();
        log.info('migrations are up to date');
        return;
    }
    if (command !== 'serve') throw new ConfigError(`unknown command "${command}" (expected serve or migrate)`);

    const deps = await createDeps(config, { log });
    const server = await createServer(deps);
    await server.app.listen({ port: config.port, host: config.host });
    const address = server.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const metrics = config.metrics.enabled
        ? await startMetricsServer(deps.metrics.registry, log, { port: config.metrics.port, host: config.host })
        : null;
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

main(process.argv[2] ?? 'serve').catch((error) => {
    if (error instanceof ConfigError || error instanceof MigrationError) {
        console.error(error.message);
    } else {
        console.error('startup failed', error);
    }
    process.exit(1);
});
