import fc from 'fast-check';
import { hostileValue } from './hostile.ts';

/** The part of JSON Schema that zod's toJSONSchema (and so /openapi.json) writes. */
export interface JsonSchema {
    type?: string | string[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    additionalProperties?: boolean | JsonSchema;
    propertyNames?: JsonSchema;
    items?: JsonSchema;
    anyOf?: JsonSchema[];
    oneOf?: JsonSchema[];
    allOf?: JsonSchema[];
    enum?: unknown[];
    const?: unknown;
    default?: unknown;
    format?: string;
    pattern?: string;
    minLength?: number;
    maxLength?: number;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    minItems?: number;
    maxItems?: number;
}

/**
 * Where ids come from: a field or parameter named like an id draws from `ids(name)` (ids of the
 * fuzzing account, of another account, unknown ones) as often as from its schema, so that
 * requests reach the code behind the ownership checks and try to cross them.
 */
export type IdSource = (name: string) => fc.Arbitrary<string> | undefined;

export interface ArbitraryOptions {
    /** 'valid' aims at the schema; 'hostile' replaces any node by a hostile value now and then. */
    mode: 'valid' | 'hostile';
    ids?: IdSource;
    /** Always the id source's value where it has one (the authorization matrix's ids of another account). */
    pinIds?: boolean;
}

/** Valid strings are kept short: long and huge ones are the hostile generator's job. */
const VALID_MAX_CHARS = 48;

/** One named node of an input at any depth: `mutations[].key` is named `key`, `keys[]` is `key`. */
export interface Field {
    name: string;
    path: string;
}

/**
 * Every named field of `schema` (named `name` itself) at any depth: object properties, array
 * items (in the singular: `sessionIds` holds `sessionId`s), through unions and intersections.
 */
export function fieldsOf(schema: JsonSchema, name = ''): Field[] {
    const fields = new Map<string, Field>();
    const walk = (node: JsonSchema, nodeName: string, path: string, depth: number) => {
        if (depth > 8) return;
        for (const member of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(member, nodeName, path, depth + 1);
        for (const [key, property] of Object.entries(node.properties ?? {})) {
            const at = path ? `${path}.${key}` : key;
            fields.set(`${at} ${key}`, { name: key, path: at });
            walk(property, key, at, depth + 1);
        }
        if (node.items) {
            const item = singular(nodeName);
            fields.set(`${path}[] ${item}`, { name: item, path: `${path}[]` });
            walk(node.items, item, `${path}[]`, depth + 1);
        }
    };
    walk(schema, name, '', 0);
    return [...fields.values()];
}

/** With `pinIds`: `schema` is an id or holds one at some depth, so it must be sent, and not empty. */
function holdsPinnedId(schema: JsonSchema, name: string, options: ArbitraryOptions): boolean {
    const ids = options.ids;
    if (options.pinIds !== true || !ids) return false;
    return ids(name) !== undefined || fieldsOf(schema, name).some((field) => ids(field.name) !== undefined);
}

export function arbitraryOf(schema: JsonSchema, options: ArbitraryOptions, name = ''): fc.Arbitrary<unknown> {
    const idArbitrary = options.ids?.(name);
    if (idArbitrary && options.pinIds) return idArbitrary;
    const valid = validOf(schema, options, name);
    const sane = idArbitrary ? fc.oneof({ weight: 1, arbitrary: valid }, { weight: 3, arbitrary: idArbitrary }) : valid;
    if (options.mode === 'valid') return sane;
    const edges = edgesOf(schema);
    return fc.oneof(
        { weight: 5, arbitrary: sane },
        { weight: 1, arbitrary: hostileValue },
        ...(edges.length ? [{ weight: 2, arbitrary: fc.constantFrom(...edges) }] : []),
    );
}

/**
 * Values at and just past this schema's bounds, and past the int4 column bound whatever the
 * schema says (an unbounded number in front of an INTEGER column was the first 500 found).
 */
export function edgesOf(schema: JsonSchema): unknown[] {
    const types = [schema.type].flat();
    if (types.includes('integer') || types.includes('number')) {
        const own = [schema.minimum, schema.maximum].flatMap((bound) => (bound === undefined ? [] : [bound - 1, bound, bound + 1]));
        return [...own, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 1e10, 2 ** 53 + 2, 0.5];
    }
    if (types.includes('string') && schema.maxLength !== undefined && schema.maxLength < 2_000_000) {
        return ['A'.repeat(schema.maxLength), 'A'.repeat(schema.maxLength + 1)];
    }
    return [];
}

function validOf(schema: JsonSchema, options: ArbitraryOptions, name: string): fc.Arbitrary<unknown> {
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const union = schema.anyOf ?? schema.oneOf;
    if (union) {
        // Pinned ids are always sent: only the members that hold one (a filter with a sessionId).
        const holding = union.filter((member) => holdsPinnedId(member, name, options));
        return fc.oneof(...(holding.length ? holding : union).map((member) => arbitraryOf(member, options, name)));
    }
    if (schema.allOf?.length) return arbitraryOf(Object.assign({}, ...schema.allOf), options, name);
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length > 1) return fc.oneof(...types.map((type) => validOf({ ...schema, type }, options, name)));
    switch (types[0]) {
        case 'string':
            return stringOf(schema);
        case 'integer':
            return integerOf(lowerBound(schema, -1000), upperBound(schema, 1000));
        case 'number':
            return fc.double({ min: lowerBound(schema, -1000), max: upperBound(schema, 1000), noNaN: true, noDefaultInfinity: true });
        case 'boolean':
            return fc.boolean();
        case 'null':
            return fc.constant(null);
        case 'array': {
            // An array that holds pinned ids has at least one.
            const minLength = Math.max(schema.minItems ?? 0, holdsPinnedId(schema.items ?? {}, singular(name), options) ? 1 : 0);
            return fc.array(arbitraryOf(schema.items ?? {}, options, singular(name)), {
                minLength,
                maxLength: Math.min(schema.maxItems ?? 3, Math.max(minLength, 3)),
            });
        }
        case 'object':
            return objectOf(schema, options);
        default:
            // `{}`: anything (z.unknown()).
            return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({}));
    }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
    const minLength = schema.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? VALID_MAX_CHARS, VALID_MAX_CHARS));
    if (schema.format === 'uuid') return fc.uuid();
    if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
    // Canonical base64 is also a plain string: one generator serves both kinds of field.
    if (maxLength >= 4) return fc.base64String({ minLength: Math.max(4, minLength), maxLength });
    return fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength, maxLength });
}

function objectOf(schema: JsonSchema, options: ArbitraryOptions): fc.Arbitrary<unknown> {
    const properties = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, property] of Object.entries(properties)) shape[key] = arbitraryOf(property, options, key);
    // Pinned ids are always sent, nested ones too: an optional id left out would test nothing.
    const pinned = (key: string) => holdsPinnedId(properties[key]!, key, options);
    const requiredKeys = Object.keys(properties).filter((key) => required.has(key) || pinned(key));
    const record = fc.record(shape, { requiredKeys });
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    // Maps whose refinements want a key the JSON schema cannot name (usage amounts need `total`).
    const mapKeys = fc.oneof(fc.constantFrom('total', 'input', 'output'), stringOf(schema.propertyNames ?? { type: 'string', minLength: 1, maxLength: 16 }));
    const withMap = additional
        ? fc.tuple(record, fc.dictionary(mapKeys, arbitraryOf(additional, options), { maxKeys: 3 }))
              .map(([fixed, extra]) => ({ ...extra, ...fixed }))
        : record;
    if (options.mode === 'valid') return withMap;
    return fc.oneof(
        { weight: 4, arbitrary: withMap },
        // A required field missing, or an extra one next to the rest.
        { weight: 1, arbitrary: fc.tuple(withMap, fc.constantFrom(...(requiredKeys.length ? requiredKeys : ['-']))).map(([value, key]) => omit(value, key)) },
        { weight: 1, arbitrary: fc.tuple(withMap, fc.constantFrom('extra', 'id', 'accountId', 'seq', '__proto__'), hostileValue).map(([value, key, extra]) => withKey(value, key, extra)) },
    );
}

function omit(value: unknown, key: string): unknown {
    const { [key]: _, ...rest } = value as Record<string, unknown>;
    return rest;
}

/** defineProperty: a plain assignment to `__proto__` would set the prototype, not a key. */
function withKey(value: unknown, key: string, extra: unknown): unknown {
    return Object.defineProperty({ ...(value as object) }, key, { value: extra, enumerable: true, writable: true, configurable: true });
}

/** Both bounds as often as the inside: a valid value at a column's limit must work too. */
function integerOf(min: number, max: number): fc.Arbitrary<number> {
    const inside = Math.abs(min) < 2 ** 31 && Math.abs(max) < 2 ** 31 ? fc.integer({ min, max }) : fc.bigInt(BigInt(min), BigInt(max)).map(Number);
    return fc.oneof(fc.constantFrom(min, max), inside);
}

function lowerBound(schema: JsonSchema, fallback: number): number {
    if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + 1;
    return schema.minimum ?? Math.min(fallback, schema.maximum ?? fallback);
}

function upperBound(schema: JsonSchema, fallback: number): number {
    if (schema.exclusiveMaximum !== undefined) return schema.exclusiveMaximum - 1;
    return schema.maximum ?? Math.max(fallback, schema.minimum ?? fallback);
}

/** `sessionIds` items are session ids: the id source is asked with the singular name. */
export function singular(name: string): string {
    return name.endsWith('s') ? name.slice(0, -1) : name;
}
