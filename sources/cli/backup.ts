import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { callAdmin, readJson } from '../admin/adminSocket.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../monitoring/log.ts';
import { createDb } from '../storage/db.ts';
import { dumpDatabase, DumpError, restoreDatabase, writerTo } from '../storage/logicalDump.ts';
import { migrate } from '../storage/migrator.ts';

export class CliError extends Error {}

/**
 * `backup <file>`: a consistent dump (storage/logicalDump.ts). From the running server when one
 * answers on the admin socket (the only way into a running embedded database), else straight
 * from the database. Written beside the target and renamed: a failed backup leaves no file.
 */
export async function backup(config: Config, file: string): Promise<string> {
    const partial = `${file}.partial`;
    try {
        const server = await callAdmin(config.dataDir, 'POST', '/backup');
        if (server) {
            if (server.status !== 200) throw new CliError(`the server refused the backup: ${JSON.stringify(await readJson(server.body))}`);
            await pipeline(server.body, createWriteStream(partial, { mode: 0o600 }));
            await checkComplete(partial);
        } else {
            const db = await createDb(config.database);
            const out = createWriteStream(partial, { mode: 0o600 });
            try {
                await dumpDatabase(db.longSql, writerTo(out));
            } finally {
                await new Promise<void>((resolve) => out.end(() => resolve()));
                await db.close();
            }
        }
        await rename(partial, file);
        return server ? 'taken by the running server' : 'taken from the database directly (no server running with this DATA_DIR)';
    } catch (error) {
        await rm(partial, { force: true });
        throw error;
    }
}

/** The server streams as it reads; a stream cut mid-way has no end line. */
async function checkComplete(file: string): Promise<void> {
    let last = '';
    for await (const line of createInterface({ input: createReadStream(file) })) if (line) last = line;
    if (!last.startsWith('{"end":true')) throw new CliError('the backup stream ended early (see the server log)');
}

/**
 * `restore <file>`: into the database the configuration names (PGLITE_DIR / DATA_DIR, or
 * DATABASE_URL), which must be empty: migrated first, then loaded in one transaction.
 */
export async function restore(config: Config, file: string): Promise<number> {
    if (await callAdmin(config.dataDir, 'GET', '/ping')) {
        throw new CliError(`a server is running with DATA_DIR ${config.dataDir}: stop it, or restore into another database`);
    }
    const db = await createDb(config.database);
    try {
        await migrate(db.longSql, createLogger('warn'));
        const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })[Symbol.asyncIterator]();
        const { rows } = await restoreDatabase(db.longSql, lines);
        return rows;
    } catch (error) {
        if (error instanceof DumpError) throw new CliError(`${file}: ${error.message}`);
        throw error;
    } finally {
        await db.close();
    }
}
