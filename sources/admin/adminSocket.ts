import { request } from 'node:http';
import { join } from 'node:path';

/**
 * The operator's channel to a running server: HTTP over a Unix socket in DATA_DIR/admin/, a
 * directory only the server's user can enter (0700), so file permissions are the whole access
 * control and no port or secret is involved. The embedded database belongs to the server
 * process: backups and revocations of a running embedded server go through here.
 */
export const adminSocketPath = (dataDir: string) => join(dataDir, 'admin', 'admin.sock');

export interface AdminResponse {
    status: number;
    body: NodeJS.ReadableStream;
}

/** Null when no server answers on the socket (none running with this DATA_DIR). */
export function callAdmin(dataDir: string, method: string, path: string): Promise<AdminResponse | null> {
    return new Promise((resolve, reject) => {
        const call = request({ socketPath: adminSocketPath(dataDir), method, path }, (response) =>
            resolve({ status: response.statusCode ?? 0, body: response }),
        );
        call.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') resolve(null);
            else reject(error);
        });
        call.end();
    });
}

export async function readJson<T>(body: NodeJS.ReadableStream): Promise<T> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}
