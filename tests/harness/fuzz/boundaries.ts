import fc from 'fast-check';
import { arbitraryOf, edgesOf, singular, type IdSource, type JsonSchema } from './schemaArbitrary.ts';

/** One step into an input: a property, an array's first item, a map's entry. */
type Step = { key: string } | { item: true } | { entry: string };

/** A valid input but for the field at `path`, set to `value`. */
export interface BoundaryCase {
    path: string;
    value: unknown;
    input: unknown;
}

/** Map entries get the key the usage maps' refinements want (see schemaArbitrary.ts objectOf). */
const ENTRY_KEY = 'total';
const MAX_DEPTH = 8;

/**
 * Every field of `schema` at any depth (inside objects, arrays, maps and union members) once at
 * each value at and past its bounds (edgesOf: the schema's own and the int4 column's), in an
 * otherwise valid input with the caller's own ids: `mutations[].version` at 2^31, an artifact
 * update's `header.expectedVersion` at -1. Deterministic: run before the random cases, so no seed
 * can miss a bound, however deep the field.
 */
export function boundaryInputs(schema: JsonSchema, own: IdSource): BoundaryCase[] {
    const sample = (node: JsonSchema, name: string) =>
        fc.sample(arbitraryOf(node, { mode: 'valid', ids: own, pinIds: true }, name), { numRuns: 1, seed: 0 })[0];
    const base = sample(schema, '');
    const cases = new Map<string, BoundaryCase>();
    const walk = (node: JsonSchema, name: string, steps: Step[]) => {
        if (steps.length > MAX_DEPTH) return;
        for (const member of membersOf(node)) walk(member, name, steps);
        for (const value of edgesOf(node)) {
            const path = pathOf(steps);
            const key = `${path} ${JSON.stringify(value)}`;
            if (!cases.has(key)) cases.set(key, { path, value, input: setAt(base, schema, '', steps, value, sample) });
        }
        for (const [key, property] of Object.entries(node.properties ?? {})) walk(property, key, [...steps, { key }]);
        if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, ENTRY_KEY, [...steps, { entry: ENTRY_KEY }]);
        if (node.items) walk(node.items, singular(name), [...steps, { item: true }]);
    };
    walk(schema, '', []);
    return [...cases.values()];
}

function membersOf(schema: JsonSchema): JsonSchema[] {
    return [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
}

function pathOf(steps: Step[]): string {
    return steps.map((step) => ('key' in step ? `.${step.key}` : 'item' in step ? '[]' : `.${step.entry}`)).join('').replace(/^\./, '');
}

/** The schema (itself or a union member at any depth) that has `step`'s property or items. */
function holderOf(schema: JsonSchema, step: Step): JsonSchema | undefined {
    const has =
        'key' in step ? schema.properties?.[step.key] !== undefined : 'item' in step ? schema.items !== undefined : typeof schema.additionalProperties === 'object';
    if (has) return schema;
    for (const member of membersOf(schema)) {
        const found = holderOf(member, step);
        if (found) return found;
    }
    return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `value` with `leaf` at `steps`; containers missing on the way (an optional object left out, an
 * empty array, another member of a union) are made from a valid sample of the member that holds
 * the next step.
 */
function setAt(value: unknown, schema: JsonSchema, name: string, steps: Step[], leaf: unknown, sample: (node: JsonSchema, name: string) => unknown): unknown {
    const [step, ...rest] = steps;
    if (!step) return leaf;
    const holder = holderOf(schema, step);
    if (!holder) return value;
    if ('item' in step) {
        const itemName = singular(name);
        const items = Array.isArray(value) && value.length > 0 ? value : [sample(holder.items!, itemName)];
        return [setAt(items[0], holder.items!, itemName, rest, leaf, sample), ...items.slice(1)];
    }
    const key = 'key' in step ? step.key : step.entry;
    const child = 'key' in step ? holder.properties![key]! : (holder.additionalProperties as JsonSchema);
    // Reused only if it is of the holding member (has its required fields): else a fresh one.
    const fits = isRecord(value) && (holder.required ?? []).every((required) => required in value);
    const object = fits ? value : (sample(holder, name) as Record<string, unknown>);
    return Object.defineProperty({ ...object }, key, {
        value: setAt(object[key], child, key, rest, leaf, sample),
        enumerable: true,
        writable: true,
        configurable: true,
    });
}
