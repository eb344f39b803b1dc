import { constants } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import type { LocalBlobStore } from './blobStore.ts';
import { isBlobKey } from './blobKeys.ts';
import { createSpooler } from './spool.ts';
import type { LocalFilesConfig } from './storageConfig.ts';

/**
 * The embedded default: one file per key under `<DATA_DIR>/files` (upstream's layout, so an
 * upstream data directory keeps working). Files appear whole: a spooled upload is renamed into
 * place, so a reader never sees half of one.
 */
export function createLocalBlobStore(config: LocalFilesConfig): LocalBlobStore {
    const root = resolve(config.root);
    const spooler = createSpooler(config.spoolDir);

    // Keys are validated where they are built; this second check keeps any path inside the root.
    const pathOf = (key: string) => {
        const path = resolve(root, key);
        if (!isBlobKey(key) || !path.startsWith(root + sep)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
        return path;
    };
    const dirOf = (prefix: string) => (prefix === '' ? root : pathOf(prefix.replace(/\/$/, '')));

    return {
        kind: 'local',
        ...spooler,
        async init() {
            await mkdir(root, { recursive: true });
            await spooler.prepare();
        },
        health: () => access(root, constants.W_OK).then(() => true, () => false),
        async putFile(key, file) {
            const target = pathOf(key);
            await mkdir(dirname(target), { recursive: true });
            try {
                await rename(file.path, target);
            } catch (error) {
                // DATA_DIR/files mounted on another device than the spool: copy to a temporary
                // name beside the target, then rename, so the file still appears whole.
                if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
                const temporary = `${target}.${process.pid}.tmp`;
                await copyFile(file.path, temporary);
                await rename(temporary, target);
                await rm(file.path, { force: true });
            }
        },
        async get(key) {
            // Opened first, then measured: a delete in between cannot break a started response.
            const handle = await open(pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
                if (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR') return null;
                throw error;
            });
            if (!handle) return null;
            const info = await handle.stat();
            if (!info.isFile()) {
                await handle.close();
                return null;
            }
            return {
                body: handle.createReadStream(),
                size: info.size,
                etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
            };
        },
        async delete(key) {
            await rm(pathOf(key), { force: true });
        },
        async deletePrefix(prefix) {
            await rm(dirOf(prefix), { recursive: true, force: true });
        },
        async list(prefix) {
            const dir = dirOf(prefix);
            const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
                if (error.code === 'ENOENT') return [];
                throw error;
            });
            return entries
                .filter((entry) => entry.isFile())
                .map((entry) => relative(root, resolve(entry.parentPath, entry.name)).split(sep).join('/'))
                .sort();
        },
        async close() {},
    };
}
