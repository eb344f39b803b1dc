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

export async function createSession(url: string, token: string): Promise<string> {
    const response = await fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ tag: randomBytes(8).toString('hex'), metadata: randomBytes(64).toString('base64') }),
    });
    return ((await response.json()) as { session: { id: string } }).session.id;
}

export function connect(url: string, auth: Record<string, string>): Promise<Socket> {
    const socket = io(url, { path: '/v1/updates', transports: ['websocket'], reconnection: false, auth });
    return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
    });
}
