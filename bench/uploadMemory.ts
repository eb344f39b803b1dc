import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { generatedBytes, sha256Of, streamedForm } from '../tests/harness/uploads.ts';
import { loginNewAccount } from './clients.ts';
import { startServerProcess, type ServerProcess } from './serverProcess.ts';

/**
 * `npx tsx bench/uploadMemory.ts`: how much a 100 MB upload (and its download) raises the
 * server's memory, on the local store and on S3 (s3rver in this process). The server runs as a
 * child process; its peak RSS (VmHWM, reset through /proc/<pid>/clear_refs before each step)
 * is compared with its RSS just before. Prints a table; nothing is asserted.
 */

const MiB = 1024 * 1024;
const SIZE = Number(process.env.UPLOAD_BENCH_MB ?? 100) * MiB;

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function measure(server: ServerProcess, step: () => Promise<void>): Promise<{ before: number; peak: number }> {
    // Settle, then make VmHWM start from the current RSS.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writeFile(`/proc/${server.pid}/clear_refs`, '5');
    const { rss: before } = await memory(server.pid);
    await step();
    return { before, peak: (await memory(server.pid)).peak };
}

async function uploadFile(url: string, token: string, size: number): Promise<{ id: string; sha256: string }> {
    const bytes = generatedBytes(size);
    const form = streamedForm({ category: 'files' }, { name: 'big.txt', type: 'text/plain', chunks: bytes.chunks });
    const response = await fetch(`${url}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': form.contentType },
        body: form.body,
        duplex: 'half',
    } as RequestInit);
    const reply = (await response.json()) as { file?: { id: string } };
    if (!reply.file) throw new Error(`upload failed: ${JSON.stringify(reply)}`);
    return { id: reply.file.id, sha256: bytes.sha256() };
}

async function run(store: 'local' | 's3', env: Record<string, string>) {
    const server = await startServerProcess(env);
    try {
        const token = await loginNewAccount(server.url);
        await uploadFile(server.url, token, MiB); // warm-up: every module of the path loaded
        let uploaded = { id: '', sha256: '' };
        const upload = await measure(server, async () => {
            uploaded = await uploadFile(server.url, token, SIZE);
        });
        const download = await measure(server, async () => {
            const response = await fetch(`${server.url}/v1/uploads/${uploaded.id}/download`, { headers: { authorization: `Bearer ${token}` } });
            if ((await sha256Of(response.body)) !== uploaded.sha256) throw new Error('downloaded bytes differ');
        });
        const rows = [
            ['upload', upload],
            ['download', download],
        ] as const;
        return rows.map(([step, { before, peak }]) => ({
            store,
            step: `${step} ${SIZE / MiB} MB`,
            'rss before (MB)': +(before / MiB).toFixed(1),
            'peak (MB)': +(peak / MiB).toFixed(1),
            'rise (MB)': +((peak - before) / MiB).toFixed(1),
        }));
    } finally {
        await server.stop();
    }
}

const results = await run('local', {});
const directory = await mkdtemp(join(tmpdir(), 'bench-s3-'));
const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'bench' }] });
const { port } = await s3.run();
try {
    results.push(
        ...(await run('s3', {
            S3_HOST: '127.0.0.1',
            S3_PORT: String(port),
            S3_USE_SSL: 'false',
            S3_ACCESS_KEY: 'S3RVER',
            S3_SECRET_KEY: 'S3RVER',
            S3_BUCKET: 'bench',
        })),
    );
} finally {
    await s3.close();
    await rm(directory, { recursive: true, force: true });
}
console.table(results);
// A file streamed to an ephemeral port also leaves a socket or two to close.
process.exit(0);
