import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An upload received in full on local disk, not yet stored; nothing else refers to it. */
export interface SpooledFile {
    readonly path: string;
    readonly size: number;
}

export interface Spooler {
    /**
     * Streams `source` to a file of its own, never holding more than a chunk in memory. Past
     * `maxBytes` nothing more is written: the rest is read and dropped (so the client, still
     * sending, gets the answer instead of a reset connection) and the partial file goes.
     */
    spool(source: Readable, maxBytes: number): Promise<SpooledFile | 'too-large'>;
    /** Removes a spooled file that was not stored (a no-op once a store moved it away). */
    discard(file: SpooledFile): Promise<void>;
    /** Creates the directory and removes what a crashed process left there. */
    prepare(): Promise<void>;
}

/** Older spool files belong to no live request: requests time out long before. */
const STALE_AFTER_MS = 60 * 60 * 1000;

export function createSpooler(dir: string): Spooler {
    return {
        async spool(source, maxBytes) {
            const path = join(dir, `${randomUUID()}.part`);
            let size = 0;
            const limit = new Transform({
                transform(chunk: Buffer, _encoding, done) {
                    size += chunk.length;
                    done(null, size > maxBytes ? undefined : chunk);
                },
            });
            try {
                await pipeline(source, limit, createWriteStream(path, { flags: 'wx' }));
            } catch (error) {
                await rm(path, { force: true });
                throw error;
            }
            if (size > maxBytes) {
                await rm(path, { force: true });
                return 'too-large';
            }
            return { path, size };
        },
        async discard(file) {
            await rm(file.path, { force: true });
        },
        async prepare() {
            await mkdir(dir, { recursive: true });
            // Several nodes may share DATA_DIR: only files too old to be anyone's upload go.
            const cutoff = Date.now() - STALE_AFTER_MS;
            for (const name of await readdir(dir)) {
                const path = join(dir, name);
                const info = await stat(path).catch(() => null);
                if (info?.isFile() && info.mtimeMs < cutoff) await rm(path, { force: true });
            }
        },
    };
}
