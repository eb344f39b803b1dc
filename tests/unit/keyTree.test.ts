import { describe, expect, it } from 'vitest';
import { deriveSecureKey } from '../../sources/auth/deriveKey.ts';
import { createKeyTree, deriveTreeKey, open, seal } from '../../sources/auth/keyTree.ts';

// Test vectors of spec/storage.md §4.7, computed against upstream's privacy-kit KeyTree.
const SECRET = 'your-super-secret-key-for-local-development';
const MASTER =
    '50a37ab6724fc6459bbc95cb4611ad6faed0ff9a5b4c6af4fc2ed445acc0141739737df25fc7320a1a40c958de1e44acae81f096d002c596bf63481521572462';
const VENDOR_PATH = ['user', 'cmabc123user', 'vendors', 'openai', 'token'];
const GITHUB_PATH = ['user', 'cmabc123user', 'github', 'token'];
const VENDOR_KEY = '61c5bd2b5d1e9ef303229ded799408792bbc49174d0d5971702e59f466c5fc05';
const GITHUB_KEY = '3961d2a6bf97db3b7e83e2f40c944c405e9863e5d6f5b465f13773e6f603d946';
const NONCE = '000102030405060708090a0b';
/** `sk-test-123` sealed with the vendor key and NONCE, as upstream stores it in ServiceAccountToken.token. */
const UPSTREAM_BLOB = '00000102030405060708090a0b6cbfc63d425182f4875529c5ee23a8ace4551f4a0f2d18908c1a47';

const hex = (text: string) => Buffer.from(text, 'hex');

describe('KeyTree encryption of stored third-party tokens (spec storage.md §4.5, §4.7)', () => {
    it('derives the master and the per-path keys of the vectors', async () => {
        const master = await deriveSecureKey(SECRET, 'happy-server-tokens');
        expect(master.toString('hex')).toBe(MASTER);
        expect(deriveTreeKey(master, VENDOR_PATH).toString('hex')).toBe(VENDOR_KEY);
        expect(deriveTreeKey(master, GITHUB_PATH).toString('hex')).toBe(GITHUB_KEY);
    });

    it('seals byte for byte like upstream for a given nonce', () => {
        expect(seal(hex(VENDOR_KEY), Buffer.from('sk-test-123'), hex(NONCE)).toString('hex')).toBe(UPSTREAM_BLOB);
    });

    it('opens a token upstream stored, and upstream opens ours (same format, fresh nonce)', async () => {
        const tree = createKeyTree(SECRET);
        expect(await tree.decrypt(VENDOR_PATH, hex(UPSTREAM_BLOB))).toBe('sk-test-123');

        const ours = await tree.encrypt(VENDOR_PATH, 'sk-live-ünïcode');
        expect(ours[0]).toBe(0);
        expect(ours.length).toBe(1 + 12 + Buffer.byteLength('sk-live-ünïcode') + 16);
        // What upstream does with it: derive the same key independently and open it.
        expect(open(hex(VENDOR_KEY), ours).toString('utf8')).toBe('sk-live-ünïcode');
        const again = await tree.encrypt(VENDOR_PATH, 'sk-live-ünïcode');
        expect(again.subarray(1, 13).equals(ours.subarray(1, 13))).toBe(false);
    });

    it('refuses a blob of another path, another secret, a tampered blob and a foreign version', async () => {
        const tree = createKeyTree(SECRET);
        await expect(tree.decrypt(GITHUB_PATH, hex(UPSTREAM_BLOB))).rejects.toThrow();
        await expect(tree.decrypt(['user', 'someone-else', 'vendors', 'openai', 'token'], hex(UPSTREAM_BLOB))).rejects.toThrow();
        await expect(createKeyTree('another-secret').decrypt(VENDOR_PATH, hex(UPSTREAM_BLOB))).rejects.toThrow();
        const tampered = hex(UPSTREAM_BLOB);
        tampered[15] = tampered[15]! ^ 1;
        await expect(tree.decrypt(VENDOR_PATH, tampered)).rejects.toThrow();
        const versioned = hex(UPSTREAM_BLOB);
        versioned[0] = 1;
        await expect(tree.decrypt(VENDOR_PATH, versioned)).rejects.toThrow('Invalid data');
        await expect(tree.decrypt(VENDOR_PATH, Buffer.from([0, 1, 2]))).rejects.toThrow('Invalid data');
        await expect(tree.encrypt(['user', '#aes256'], 'x')).rejects.toThrow(/#/);
    });
});
