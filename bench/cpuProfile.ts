import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface HotFunction {
    function: string;
    location: string;
    selfPercent: number;
}

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
}

/** A stretch of CLOCK_MONOTONIC in microseconds (`process.hrtime`), the clock V8 stamps samples with. */
export interface Window {
    fromMicros: number;
    toMicros: number;
}

export const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/**
 * The functions a V8 CPU profile (node --cpu-prof) spent the most self time in during `window`
 * (the measured part of a run, without start-up and warm-up), with idle time and garbage
 * collection shown as such: what the server was doing under load.
 */
export async function hottestFunctions(profileDir: string, window: Window, top = 15): Promise<HotFunction[]> {
    const [file] = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) return [];
    const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as Profile;
    const samplesOf = new Map<number, number>();
    let time = profile.startTime;
    profile.samples.forEach((id, i) => {
        time += profile.timeDeltas[i] ?? 0;
        if (time >= window.fromMicros && time <= window.toMicros) samplesOf.set(id, (samplesOf.get(id) ?? 0) + 1);
    });
    const hits = new Map<string, { function: string; location: string; hits: number }>();
    let total = 0;
    for (const node of profile.nodes) {
        const count = samplesOf.get(node.id) ?? 0;
        if (count === 0) continue;
        total += count;
        const { functionName, url, lineNumber } = node.callFrame;
        const location = url ? `${shorten(url)}:${lineNumber + 1}` : '';
        const key = `${functionName}@${location}`;
        const entry = hits.get(key) ?? { function: functionName || '(anonymous)', location, hits: 0 };
        entry.hits += count;
        hits.set(key, entry);
    }
    return [...hits.values()]
        .sort((a, b) => b.hits - a.hits)
        .slice(0, top)
        .map((entry) => ({
            function: entry.function,
            location: entry.location,
            selfPercent: Math.round((entry.hits / total) * 1000) / 10,
        }));
}

function shorten(url: string): string {
    const path = url.replace(/^file:\/\//, '');
    const inModules = path.lastIndexOf('node_modules/');
    return inModules >= 0 ? path.slice(inModules + 'node_modules/'.length) : relative(process.cwd(), path);
}
