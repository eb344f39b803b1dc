#!/usr/bin/env node
// `npm start` / `npm run migrate` / `npm run cli` / the `happy-server` bin: runs sources/main.ts
// from a bundle esbuild makes of it. `node scripts/start.mjs bundle` only builds it (the image
// does so at build time and then runs the bundle itself).
//
// Why: under tsx every module of the server is resolved and loaded through loader hooks that
// Node 20 runs on another thread, which cost about 0.8 s of a 2.3 s start. esbuild (already
// here: tsx is built on it) bundles our TypeScript into one file in ~50 ms; packages stay
// external and load as usual. Each module keeps its own `import.meta.url`, so paths relative to
// a source file (the migrations) resolve exactly as under tsx. The bundle is reused while no
// file it was built from has changed since.
//
// Stack traces name the bundle's lines (esbuild marks each source file in it); run with
// NODE_OPTIONS=--enable-source-maps to see TypeScript positions instead (it slows start-up).
// If the bundle cannot be built or written (a read-only install), the server runs under tsx.
import { randomBytes } from 'node:crypto';
import module from 'node:module';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const entry = join(root, 'sources/main.ts');
const outDir = join(root, 'node_modules/.cache/happy-server');
const outFile = join(outDir, 'main.mjs');
const inputsFile = join(outDir, 'main.inputs.json');

const keepImportMetaUrl = {
    name: 'keep-import-meta-url',
    setup(build) {
        build.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
        }));
    },
};

/** The bundle exists and is newer than this script and every file it was built from. */
async function upToDate() {
    try {
        const built = (await stat(outFile)).mtimeMs;
        const inputs = JSON.parse(await readFile(inputsFile, 'utf8'));
        const times = await Promise.all([self, ...inputs].map(async (file) => (await stat(file)).mtimeMs));
        return times.every((time) => time < built);
    } catch {
        return false;
    }
}

/** Written under temporary names and renamed: several servers may start from one checkout. */
async function writeAtomically(path, contents) {
    const temporary = `${path}.${randomBytes(4).toString('hex')}`;
    await writeFile(temporary, contents);
    await rename(temporary, path);
}

async function bundle() {
    const { build } = await import('esbuild');
    const result = await build({
        entryPoints: [entry],
        absWorkingDir: root,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        sourcemap: 'linked',
        metafile: true,
        write: false,
        outfile: outFile,
        logLevel: 'silent',
        plugins: [keepImportMetaUrl],
        // The image runs the bundle as a command (`happy-server doctor`).
        banner: { js: '#!/usr/bin/env node' },
    });
    await mkdir(outDir, { recursive: true });
    // The map before the bundle that names it, the input list last: it vouches for both.
    const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
    for (const file of files) await writeAtomically(file.path, file.contents);
    await writeAtomically(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs).map((input) => resolve(root, input))));
}

if (process.argv[2] === 'bundle') {
    await bundle();
    console.log(`start: bundled ${outFile}`);
    process.exit(0);
}

let bundled = true;
try {
    if (!(await upToDate())) await bundle();
} catch (error) {
    bundled = false;
    console.error(`start: running under tsx (bundling failed: ${error instanceof Error ? error.message : error})`);
}
if (bundled) {
    // Node 22.1+ keeps compiled code between starts; Node 20 has no such cache.
    module.enableCompileCache?.(join(outDir, 'v8'));
    await import(pathToFileURL(outFile).href);
} else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(entry).href);
}
