import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { io, type Socket } from 'socket.io-client';

/** Logs a fresh account in the way the CLI does and returns its token. */
export async function loginNewAccount(url: string): Promise<string> {
    const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(randomBytes(32)));
    const challenge = new Uint8Array(randomBytes(32));
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const response = await fetch(`${url}/v1/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
            publicKey: b64(pair.publicKey),
            challenge: b64(challenge),
            signature: b64(nacl.sign.detached(challenge, pair.secretKey)),
        }),
    });
    return ((await response.json()) as { token: string }).token;
}

/** A REST call with the account's token; throws on anything but 200. */
export async function call<T = any>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
}

export async function createSession(url: string, token: string): Promise<string> {
    const body = { tag: randomBytes(8).toString('hex'), metadata: randomBytes(64).toString('base64') };
    return (await call<{ session: { id: string } }>(url, token, 'POST', '/v1/sessions', body)).session.id;
}

export async function createMachine(url: string, token: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    await call(url, token, 'POST', '/v1/machines', { id, metadata: randomBytes(64).toString('base64') });
    return id;
}

export function connect(url: string, auth: Record<string, string>): Promise<Socket> {
    const socket = io(url, { path: '/v1/updates', transports: ['websocket'], reconnection: false, auth });
    return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
    });
}

/** Runs `make` `count` times with at most `parallel` at once, results in order. */
export async function inParallel<T>(count: number, parallel: number, make: (i: number) => Promise<T>): Promise<T[]> {
    const results: T[] = new Array(count);
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(parallel, count) }, async () => {
            while (next < count) {
                const i = next++;
                results[i] = await make(i);
            }
        }),
    );
    return results;
}
