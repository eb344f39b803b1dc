import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { request } from './http.ts';

/**
 * An account the way the Happy app and CLI hold one (spec clients.md §1): a 32-byte root secret
 * whose Ed25519 key pair signs the login challenge.
 */
export interface AccountKeys {
    secret: Uint8Array;
    publicKey: Uint8Array;
    secretKey: Uint8Array;
}

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function newAccountKeys(): AccountKeys {
    const secret = new Uint8Array(randomBytes(32));
    const pair = nacl.sign.keyPair.fromSeed(secret);
    return { secret, publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** The body of POST /v1/auth: a fresh random challenge signed with the account key. */
export function loginBody(keys: AccountKeys, challenge: Uint8Array = new Uint8Array(randomBytes(32))) {
    return {
        publicKey: b64(keys.publicKey),
        challenge: b64(challenge),
        signature: b64(nacl.sign.detached(challenge, keys.secretKey)),
    };
}

export async function login(baseUrl: string, keys: AccountKeys = newAccountKeys()): Promise<{ token: string; keys: AccountKeys }> {
    const response = await request(baseUrl, 'POST', '/v1/auth', { body: loginBody(keys) });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return { token: response.body.token, keys };
}

/**
 * The pairing `response` bundle: ephemeral public key (32) ‖ nonce (24) ‖ nacl.box(plaintext)
 * addressed to the requesting device's box key, base64 (spec rest.md §2.3).
 */
export function sealForDevice(plaintext: Uint8Array, devicePublicKey: Uint8Array): string {
    const ephemeral = nacl.box.keyPair();
    const nonce = new Uint8Array(randomBytes(nacl.box.nonceLength));
    const sealed = nacl.box(plaintext, nonce, devicePublicKey, ephemeral.secretKey);
    return b64(new Uint8Array([...ephemeral.publicKey, ...nonce, ...sealed]));
}

export function openOnDevice(bundle: string, deviceSecretKey: Uint8Array): Uint8Array | null {
    const bytes = new Uint8Array(Buffer.from(bundle, 'base64'));
    const ephemeralPublicKey = bytes.subarray(0, 32);
    const nonce = bytes.subarray(32, 56);
    return nacl.box.open(bytes.subarray(56), nonce, ephemeralPublicKey, deviceSecretKey);
}
