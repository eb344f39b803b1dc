import { join } from 'node:path';
import { pino } from 'pino';
import { createLogger, type Logger } from './log.ts';

/**
 * Where the client log route (spec rest.md §3.15) writes: a JSON-lines file of its own under
 * DATA_DIR/logs (upstream: ./.logs in the working directory), never the server's log, so a
 * client cannot flood or forge server lines. The usual redaction applies to what clients send.
 */
export interface ClientLogSink {
    log: Logger;
    file: string;
    close(): void;
}

export function openClientLogSink(dataDir: string): ClientLogSink {
    const file = join(dataDir, 'logs', `clients-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
    // Synchronous: a development aid, where losing the last lines of a crash would defeat it.
    const destination = pino.destination({ dest: file, mkdir: true, sync: true });
    return { log: createLogger('debug', { destination }), file, close: () => destination.end() };
}
