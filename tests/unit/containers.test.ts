import { Ajv } from 'ajv';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_NAMES } from '../../sources/config.ts';
import { createProgram } from '../../sources/cli/program.ts';

/**
 * There is no Docker engine where this suite runs, so the image and the compose stack are
 * checked statically: the compose file against the Compose Specification's JSON schema (the copy
 * the dclint package ships), and everything the Dockerfile and the compose file name (files it
 * copies or runs, variables, commands) against this repository.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const compose = parse(read('docker-compose.yml'));
const dockerfile = DockerfileParser.parse(read('Dockerfile'));
const envExample = new Set([...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
const packageJson = JSON.parse(read('package.json'));

/** An instruction's exec-form command (`["node", "x.mjs"]`), or its shell words. */
function commandOf(instruction: Instruction): string[] {
    const text = instruction.getArgumentsContent() ?? '';
    const json = text.replace(/^CMD\s+/, '');
    return json.startsWith('[') ? JSON.parse(json) : text.split(/\s+/);
}

/** The files `node <file>` runs in a shell line or exec-form command. */
function nodeScripts(words: string[]): string[] {
    return words.flatMap((word, index) => (word === 'node' && words[index + 1]?.match(/\.m?js$/) ? [words[index + 1]!] : []));
}

describe('docker-compose.yml', () => {
    it('is valid against the Compose Specification schema', () => {
        const schemaPath = join(ROOT, 'node_modules/dclint/schemas/compose.schema.json');
        // validateSchema off: Ajv has no copy of the draft-07 meta-schema under the https id it names.
        const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false });
        const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
        expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
        // The schema accepts almost any mapping: a misspelt service key must fail here too.
        expect(validate({ services: { server: { imagee: 'x' } } })).toBe(false);
    });

    it('starts the server once Postgres, Redis and the bucket are ready, each with a health check', () => {
        const services = compose.services as Record<string, any>;
        expect(Object.keys(services).sort()).toEqual(['minio', 'minio-bucket', 'postgres', 'redis', 'server']);
        expect(services.server.depends_on).toEqual({
            postgres: { condition: 'service_healthy' },
            redis: { condition: 'service_healthy' },
            'minio-bucket': { condition: 'service_completed_successfully' },
        });
        expect(services['minio-bucket'].depends_on).toEqual({ minio: { condition: 'service_healthy' } });
        for (const name of ['server', 'postgres', 'redis', 'minio']) expect(services[name].healthcheck?.test, name).toBeDefined();
        // Whatever waits for a service's health must wait on one that has a health check.
        for (const [name, service] of Object.entries(services)) {
            for (const [target, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
                if (condition === 'service_healthy') expect(services[target].healthcheck, `${name} -> ${target}`).toBeDefined();
            }
        }
    });

    it('sets only variables the server reads, and every interpolated one is in .env.example', () => {
        const serverEnv = Object.keys(compose.services.server.environment);
        expect(serverEnv.filter((name) => !CONFIG_ENV_NAMES.includes(name))).toEqual([]);
        // `$$` is an escaped dollar (the one-shot service's own shell variables).
        const text = read('docker-compose.yml').replaceAll('$$', '');
        const interpolated = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!));
        expect([...interpolated].filter((name) => !envExample.has(name))).toEqual([]);
    });

    it('runs health checks with files that exist', () => {
        for (const service of Object.values<any>(compose.services)) {
            for (const script of nodeScripts(service.healthcheck?.test ?? [])) expect(existsSync(join(ROOT, script)), script).toBe(true);
        }
    });
});

describe('.env.example', () => {
    it('documents every variable the server reads', () => {
        expect(CONFIG_ENV_NAMES.filter((name) => !envExample.has(name))).toEqual([]);
    });
});

describe('Dockerfile', () => {
    const instructions = dockerfile.getInstructions();
    const stages = dockerfile.getFROMs().map((from) => from.getBuildStage());
    const ignored = read('.dockerignore')
        .split('\n')
        .filter((line) => line && !line.startsWith('#'));

    it('builds in stages and runs as a non-root user with a health check and a /data volume', () => {
        expect(stages).toEqual(['build', 'runtime']);
        const runtime = instructions.slice(instructions.findIndex((i) => i.getKeyword() === 'FROM' && i.getArgumentsContent()?.includes('runtime')));
        const keyword = (name: string) => runtime.filter((i) => i.getKeyword() === name).map((i) => i.getArgumentsContent());
        expect(keyword('USER')).toEqual(['node']);
        expect(keyword('VOLUME')).toEqual(['/data']);
        expect(keyword('ENV').join(' ')).toMatch(/DATA_DIR=\/data/);
        // The runtime stage installs nothing and compiles nothing: it copies the build's results.
        expect(runtime.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent()).join(' ')).not.toMatch(/npm (ci|install)|tsx|tsc/);
        const [entrypoint] = runtime.filter((i) => i.getKeyword() === 'ENTRYPOINT');
        expect(commandOf(entrypoint!)).toEqual(['happy-server']);
    });

    it('copies only paths that exist and are in the build context', () => {
        for (const copy of instructions.filter((i) => i.getKeyword() === 'COPY')) {
            const words = copy.getArguments().map((argument) => argument.getValue());
            const fromStage = (copy as any).getFlags().find((flag: any) => flag.getName() === 'from')?.getValue();
            const sources = words.slice(0, -1);
            for (const source of sources) {
                if (fromStage) {
                    // From the build stage: under its WORKDIR, copied there or produced by npm ci.
                    expect(stages, source).toContain(fromStage);
                    const relative = posix.relative('/app', source);
                    expect(relative === 'node_modules' || existsSync(join(ROOT, relative)), source).toBe(true);
                } else {
                    expect(existsSync(join(ROOT, source)), source).toBe(true);
                    expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is in .dockerignore`).toBe(false);
                }
            }
        }
    });

    it('has the files npm ci needs (postinstall) copied before it runs', () => {
        const npmCi = instructions.findIndex((i) => i.getKeyword() === 'RUN' && /npm ci/.test(i.getArgumentsContent() ?? ''));
        const copiedBefore = instructions
            .slice(0, npmCi)
            .filter((i) => i.getKeyword() === 'COPY')
            .flatMap((i) => i.getArguments().slice(0, -1).map((argument) => argument.getValue()));
        const postinstall = nodeScripts(String(packageJson.scripts.postinstall).split(/\s+/));
        expect(postinstall).toEqual(['scripts/prisma-generate.mjs']);
        for (const needed of [...postinstall, 'prisma/schema.prisma', 'package-lock.json']) {
            expect(copiedBefore.some((copied) => needed === copied || needed.startsWith(`${copied}/`)), needed).toBe(true);
        }
    });

    it('runs scripts that exist, and the bundle it links is the one start.mjs writes', () => {
        for (const instruction of instructions.filter((i) => ['RUN', 'HEALTHCHECK'].includes(i.getKeyword()))) {
            for (const script of nodeScripts(commandOf(instruction))) expect(existsSync(join(ROOT, script)), script).toBe(true);
        }
        const run = instructions.map((i) => i.getArgumentsContent()).join('\n');
        expect(run).toMatch(/node scripts\/start\.mjs bundle/);
        const linked = /ln -s (\S+) \/usr\/local\/bin\/happy-server/.exec(run)?.[1];
        expect(linked).toBe('/app/node_modules/.cache/happy-server/main.mjs');
        expect(read('scripts/start.mjs')).toContain("join(root, 'node_modules/.cache/happy-server')");
    });

    it('starts a command the CLI has', () => {
        const [cmd] = instructions.filter((i) => i.getKeyword() === 'CMD');
        const names = createProgram({ serve: async () => {}, migrate: async () => {} }).commands.map((command) => command.name());
        expect(names).toContain(commandOf(cmd!)[0]);
    });
});
