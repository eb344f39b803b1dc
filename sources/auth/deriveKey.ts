import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/** Upstream's `deriveSecureKey`: PBKDF2-HMAC-SHA512, 210 000 rounds, 64 bytes (spec storage.md §4.1). */
export function deriveSecureKey(secret: string, usage: string): Promise<Buffer> {
    return pbkdf2Async(Buffer.from(secret, 'utf8'), Buffer.from(usage, 'utf8'), 210_000, 64, 'sha512');
}
