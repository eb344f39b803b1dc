import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { DestinationStream } from 'pino';

/**
 * Shapes no log line may contain, whatever the test: a bearer header, a JWT (our tokens), a hex
 * Ed25519 public key (the Account.publicKey column), and any long base64 run (keys, signatures,
 * challenges and ciphertexts are base64 of random bytes: 32 bytes and up are 44+ characters,
 * with digits and both cases mixed, which paths and identifiers in our logs never are).
 */
const SHAPES: Array<[string, RegExp]> = [
    ['bearer header', /Bearer\s+\S/i],
    ['JWT', /eyJ[\w-]{8,}\.[\w-]{8,}\./],
    ['hex public key', /\b[0-9a-f]{64}\b/],
    ['base64 blob', /[A-Za-z0-9+/_-]{40,}={0,2}/g],
];

/**
 * Source file paths of stack traces: a checkout's directory may have a random name
 * (`/tmp/tmp.3Xw0RO2Th2/sources/...`), which with the slashes reads like base64.
 */
const SOURCE_PATHS = /(?:file:\/\/)?(?:\/[\w.@+-]+)+\.[cm]?[jt]s\b(?::\d+)*/g;

const looksRandom = (run: string) =>
    (run.match(/[0-9]/g)?.length ?? 0) >= 3 && (run.match(/[A-Z]/g)?.length ?? 0) >= 3 && (run.match(/[a-z]/g)?.length ?? 0) >= 3;

/** What in `lines` looks like a secret, or is one of `known`: `<what>: <line>` per finding. */
export function findSecrets(lines: string[], known: string[] = []): string[] {
    const findings: string[] = [];
    for (const line of lines) {
        for (const secret of known) if (secret && line.includes(secret)) findings.push(`known secret ${secret.slice(0, 8)}...: ${line}`);
        const scanned = line.replace(SOURCE_PATHS, '<source>');
        for (const [what, shape] of SHAPES) {
            const matches = shape.global ? [...scanned.matchAll(shape)].map((m) => m[0]).filter(looksRandom) : shape.test(scanned) ? [line] : [];
            if (matches.length > 0) findings.push(`${what}: ${line}`);
        }
    }
    return findings;
}

/** A pino destination that keeps every line in memory, for a test to read back. */
export function captureLines(): { lines: string[]; destination: DestinationStream; records(): any[] } {
    const lines: string[] = [];
    return {
        lines,
        destination: { write: (line: string) => void lines.push(line.trimEnd()) },
        records: () => lines.map((line) => JSON.parse(line)),
    };
}

// `node --import tsx tests/harness/logScan.ts <file>`: scans the log of a run made with
// TEST_LOG_FILE=<file>, exits 1 listing what it found.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const file = process.argv[2];
    if (!file) throw new Error('usage: logScan.ts <log file>');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const findings = findSecrets(lines);
    console.log(`${lines.length} lines scanned, ${findings.length} findings`);
    for (const finding of findings.slice(0, 50)) console.log(finding);
    process.exit(findings.length > 0 ? 1 : 0);
}
