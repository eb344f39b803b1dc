import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deriveSecureKey } from './deriveKey.ts';

/**
 * Upstream's KeyTree (privacy-kit; spec storage.md §4.5) for the third-party tokens the server
 * keeps at rest (vendor API keys, GitHub OAuth tokens): a blob written by upstream for the same
 * HANDY_MASTER_SECRET opens here and the other way round.
 *
 * Each token has its own AES-256-GCM key, derived from the master along a path such as
 * `['user', <accountId>, 'vendors', 'openai', 'token']`, so a blob copied to another account's
 * row does not open there.
 */
export interface KeyTree {
    encrypt(path: readonly string[], plaintext: string): Promise<Buffer<ArrayBuffer>>;
    /** Throws when the blob is not one of this path's (wrong key, tampered, or not a blob). */
    decrypt(path: readonly string[], blob: Uint8Array): Promise<string>;
}

/** PBKDF2 of 210 000 rounds: done on first use, not at start-up (most servers never store a token). */
export function createKeyTree(masterSecret: string): KeyTree {
    let master: Promise<Buffer> | undefined;
    const keyFor = async (path: readonly string[]) => deriveTreeKey(await (master ??= deriveSecureKey(masterSecret, 'happy-server-tokens')), path);
    return {
        encrypt: async (path, plaintext) => seal(await keyFor(path), Buffer.from(plaintext, 'utf8')),
        decrypt: async (path, blob) => open(await keyFor(path), Buffer.from(blob)).toString('utf8'),
    };
}

/** The algorithm tag upstream appends to every path for symmetric keys. */
const AES_TAG = '#aes256';

/**
 * HMAC-SHA512 down the path: each step keys the next with the right half of its output (the
 * chain code, all 64 bytes of the master for the first); the last step's left half is the key.
 */
export function deriveTreeKey(master: Buffer, path: readonly string[]): Buffer {
    if (path.some((element) => element.startsWith('#'))) throw new Error('key path elements must not start with #');
    let state = master;
    for (const element of path) state = treeStep(state, element).subarray(32);
    return treeStep(state, AES_TAG).subarray(0, 32);
}

function treeStep(key: Buffer, element: string): Buffer {
    return createHmac('sha512', key).update(Buffer.from([0])).update(element, 'utf8').digest();
}

const VERSION = 0;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** `0x00 ‖ nonce(12) ‖ ciphertext ‖ tag(16)`, no additional data; the nonce is random unless given (test vectors). */
export function seal(key: Buffer, plaintext: Buffer, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer<ArrayBuffer> {
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, blob: Buffer): Buffer {
    if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || blob[0] !== VERSION) throw new Error('Invalid data');
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 1 + NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
}
