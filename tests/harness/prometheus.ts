import { request } from './http.ts';

/** One sample of the Prometheus text format: `name{label="value",...} value`. */
export interface Sample {
    name: string;
    labels: Record<string, string>;
    value: number;
}

export interface Scrape {
    samples: Sample[];
    /** `# TYPE` of each metric family. */
    types: Map<string, string>;
    /** Samples of `name` whose labels include `labels`. */
    find(name: string, labels?: Record<string, string>): Sample[];
    /** The sum of those samples' values (0 when there are none). */
    sum(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Scrape {
    const samples: Sample[] = [];
    const types = new Map<string, string>();
    for (const line of text.split('\n')) {
        if (line.startsWith('# TYPE ')) {
            const [name, type] = line.slice('# TYPE '.length).split(' ');
            types.set(name!, type!);
            continue;
        }
        const match = SAMPLE.exec(line);
        if (!match) continue;
        const labels: Record<string, string> = {};
        for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = JSON.parse(`"${value}"`);
        samples.push({ name: match[1]!, labels, value: Number(match[3]) });
    }
    const find = (name: string, labels: Record<string, string> = {}) =>
        samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    return { samples, types, find, sum: (name, labels) => find(name, labels).reduce((total, s) => total + s.value, 0) };
}

export async function scrape(metricsUrl: string): Promise<Scrape> {
    const response = await request(metricsUrl, 'GET', '/metrics');
    if (response.status !== 200) throw new Error(`scrape failed: ${response.status} ${response.text}`);
    return parsePrometheus(response.text);
}

/** A server's own registry, read without its metrics listener (what /metrics would serve). */
export async function scrapeRegistry(metrics: { registry: { metrics(): Promise<string> } }): Promise<Scrape> {
    return parsePrometheus(await metrics.registry.metrics());
}
