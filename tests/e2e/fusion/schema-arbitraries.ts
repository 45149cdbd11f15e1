// Fusion schemas for property tests: valid ones across the whole allowed space (1-3 vector fields of
// any dimension and metric, up to 100 fields, up to 8 full-text fields, at most one partition key,
// every optional attribute present or not), and breakages just past each rule with the field that
// breaks it. The generators are the model: a valid schema is one they build, a broken one one they
// break.
import fc from "fast-check";

export type Field = Record<string, unknown>;

const NAME_TAIL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
const LETTERS = NAME_TAIL.slice(0, 52);

/** 1-63 characters: a letter, then letters, digits and '_'. */
export const fieldNameArb = fc.tuple(
  fc.constantFrom(...LETTERS),
  fc.string({ unit: fc.constantFrom(...NAME_TAIL), maxLength: 62 }),
).map(([first, rest]) => first + rest);

const optionalBool = fc.option(fc.boolean(), { nil: undefined });

function withDefined(field: Field): Field {
  return Object.fromEntries(Object.entries(field).filter(([, value]) => value !== undefined));
}

const vectorArb = fc.record({
  dimension: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.constantFrom(1, 4095, 4096), fc.integer({ min: 1, max: 4096 })),
  distanceMetric: fc.constantFrom("euclidean", "cosine", "ip"),
}).map(({ dimension, distanceMetric }) => ({ type: "vector", dataType: "float32", dimension, distanceMetric }));

const delimiterArb = fc.string({ minLength: 1, maxLength: 16 });

/** A `text` attribute; `enabled` true when `on`, false or absent otherwise. */
function textArb(on: boolean): fc.Arbitrary<Field> {
  const standard = fc.record({ caseSensitive: optionalBool, delimitWord: optionalBool }).map(withDefined);
  const split = fc.record({ caseSensitive: optionalBool, delimiter: delimiterArb }).map(withDefined);
  return fc.oneof(
    fc.record({ analyzer: fc.constantFrom("standard", undefined), analyzerParameters: fc.option(standard, { nil: undefined }) }),
    fc.record({ analyzer: fc.constant("split"), analyzerParameters: split }),
  ).chain((text) => (on ? fc.constant(true) : fc.constantFrom(false, undefined))
    .map((enabled) => withDefined({ enabled, ...text })));
}

function stringArb(text: "on" | "off" | "none", partitionKey: boolean): fc.Arbitrary<Field> {
  return fc.record({
    isArray: partitionKey ? fc.constantFrom(false, undefined) : optionalBool,
    isPartitionKey: partitionKey ? fc.constant(true) : fc.constantFrom(false, undefined),
    exactMatch: partitionKey ? fc.constantFrom(true, undefined) : optionalBool,
    text: text === "none" ? fc.constant(undefined) : textArb(text === "on"),
  }).map((attributes) => withDefined({ type: "string", ...attributes }));
}

const plainArb = fc.record({
  type: fc.constantFrom("long", "double", "bool", "ip", "geoPoint"),
  isArray: optionalBool,
}).map(withDefined);

const scalarArb = fc.oneof(stringArb("off", false), stringArb("none", false), plainArb);

export interface SchemaShape {
  vectors: number;
  texts: number;
  partitionKey: boolean;
  others: number;
}

export const shapeArb: fc.Arbitrary<SchemaShape> = fc.record({
  vectors: fc.integer({ min: 1, max: 3 }),
  texts: fc.integer({ min: 0, max: 8 }),
  partitionKey: fc.boolean(),
}).chain((shape) => {
  const room = 100 - shape.vectors - shape.texts - (shape.partitionKey ? 1 : 0);
  return fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(room), fc.integer({ min: 0, max: room }))
    .map((others) => ({ ...shape, others }));
});

/** A valid schema's fields of this shape, shuffled, with unique names. */
export function fieldsOf(shape: SchemaShape): fc.Arbitrary<Field[]> {
  const count = shape.vectors + shape.texts + (shape.partitionKey ? 1 : 0) + shape.others;
  const parts: fc.Arbitrary<Field>[] = [
    ...Array.from({ length: shape.vectors }, () => vectorArb),
    ...Array.from({ length: shape.texts }, () => stringArb("on", false)),
    ...(shape.partitionKey ? [stringArb("off", true)] : []),
    ...Array.from({ length: shape.others }, () => scalarArb),
  ];
  return fc.tuple(fc.tuple(...parts), fc.uniqueArray(fieldNameArb, { minLength: count, maxLength: count }))
    .chain(([fields, names]) => fc.shuffledSubarray(fields.map((field, i) => ({ name: names[i]!, ...field })), { minLength: count, maxLength: count }));
}

export const validSchemaArb = shapeArb.chain(fieldsOf).map((fields) => ({ fields }));

/** One way to break a schema: its name, and the broken schema configuration. */
export interface Breakage {
  rule: string;
  schemaConfiguration: unknown;
}

const vector = (name: string, dimension = 4, distanceMetric = "cosine"): Field =>
  ({ name, type: "vector", dataType: "float32", dimension, distanceMetric });
const text = (name: string): Field => ({ name, type: "string", text: { enabled: true } });

function replaceAt(fields: Field[], at: number, change: (field: Field) => Field): Field[] {
  return fields.map((field, i) => (i === at ? change(field) : field));
}

/** Breakages of a valid schema `fields`, each just past one rule; `at` and `extra` pick where and what. */
export function breakages(fields: Field[], at: number, extra: string): Breakage[] {
  const names = new Set(fields.map((field) => String(field["name"])));
  const fresh = (stem: string) => { let i = 0; while (names.has(`${stem}${i}`)) i++; names.add(`${stem}${i}`); return `${stem}${i}`; };
  const vectors = fields.filter((field) => field["type"] === "vector");
  const scalars = fields.filter((field) => field["type"] !== "vector");
  const texts = fields.filter((field) => (field["text"] as Field | undefined)?.["enabled"] === true);
  const i = at % fields.length;
  const scalarIndex = fields.findIndex((field) => field["type"] !== "vector");
  const plainIndex = fields.findIndex((field) => field["type"] !== "vector" && field["type"] !== "string");
  const list: Array<[string, unknown]> = [
    ["four vector fields", [...fields, ...Array.from({ length: 4 - vectors.length }, () => vector(fresh("v")))]],
    ["no vector field", scalars.length > 0 ? scalars : [{ name: "s", type: "long" }]],
    ["nine full-text fields", [...fields, ...Array.from({ length: 9 - texts.length }, () => text(fresh("t")))]],
    ["101 fields", [...fields, ...Array.from({ length: 101 - fields.length }, () => ({ name: fresh("x"), type: "bool" }))]],
    ["no fields", []],
    ["two partition keys", [...fields, ...Array.from({ length: 2 - fields.filter((f) => f["isPartitionKey"] === true).length },
      () => ({ name: fresh("p"), type: "string", isPartitionKey: true }))]],
    ["dimension 0", [...fields.filter((f) => f !== vectors[0]), vector(fresh("v"), 0)]],
    ["dimension 4097", [...fields.filter((f) => f !== vectors[0]), vector(fresh("v"), 4097)]],
    ["dimension 2.5", [...fields.filter((f) => f !== vectors[0]), vector(fresh("v"), 2.5)]],
    ["unknown metric", [...fields.filter((f) => f !== vectors[0]), vector(fresh("v"), 4, "dot")]],
    ["dataType float16", replaceAt(fields, fields.indexOf(vectors[0]!), (f) => ({ ...f, dataType: "float16" }))],
    ["vector without dimension", replaceAt(fields, fields.indexOf(vectors[0]!), ({ dimension: _d, ...f }) => f)],
    ["name of 64 characters", replaceAt(fields, i, (f) => ({ ...f, name: `a${"b".repeat(63)}` }))],
    ["empty name", replaceAt(fields, i, (f) => ({ ...f, name: "" }))],
    ["name starting with a digit", replaceAt(fields, i, (f) => ({ ...f, name: `1${String(f["name"])}`.slice(0, 63) }))],
    ["name starting with _", replaceAt(fields, i, (f) => ({ ...f, name: `_${String(f["name"])}`.slice(0, 63) }))],
    ["name with a hyphen", replaceAt(fields, i, (f) => ({ ...f, name: `a-${extra.length}` }))],
    ["non-ASCII name", replaceAt(fields, i, (f) => ({ ...f, name: "añ" }))],
    ["duplicate name", [...fields, { ...fields[i]!, name: fields[(i + 1) % fields.length]!["name"] }]],
    ["unknown attribute", replaceAt(fields, i, (f) => ({ ...f, [`x${extra.replace(/[^A-Za-z]/g, "")}`]: true }))],
    ["unknown type", replaceAt(fields, i, (f) => ({ name: f["name"], type: "text" }))],
    ["dimension on a scalar", [...fields, { name: fresh("s"), type: "long", dimension: 4 }]],
    ["text on a non-string", [...fields, { name: fresh("s"), type: "double", text: { enabled: true } }]],
    ["exactMatch on a non-string", [...fields, { name: fresh("s"), type: "bool", exactMatch: true }]],
    ["isPartitionKey on a long", [...fields, { name: fresh("s"), type: "long", isPartitionKey: true }]],
    ["partition key that is an array", [...fields.map((f) => ({ ...f, isPartitionKey: undefined })).map(withDefined), { name: fresh("p"), type: "string", isPartitionKey: true, isArray: true }]],
    ["split without delimiter", [...fields, { name: fresh("s"), type: "string", text: { enabled: false, analyzer: "split" } }]],
    ["split with an empty delimiter", [...fields, { name: fresh("s"), type: "string", text: { analyzer: "split", analyzerParameters: { delimiter: "" } } }]],
    ["split with a 17-character delimiter", [...fields, { name: fresh("s"), type: "string", text: { analyzer: "split", analyzerParameters: { delimiter: "x".repeat(17) } } }]],
    ["unknown analyzer", [...fields, { name: fresh("s"), type: "string", text: { enabled: true, analyzer: "ik" } }]],
    ["unknown text attribute", [...fields, { name: fresh("s"), type: "string", text: { enabled: true, language: "en" } }]],
    ["delimitWord under split", [...fields, { name: fresh("s"), type: "string", text: { analyzer: "split", analyzerParameters: { delimiter: ",", delimitWord: true } } }]],
    ["a boolean given as a string", [...fields, { name: fresh("s"), type: "string", isArray: "true" }]],
    ["a field that is not an object", [...fields, "title"]],
  ];
  if (plainIndex >= 0) list.push(["isArray as a number", replaceAt(fields, plainIndex, (f) => ({ ...f, isArray: 1 }))]);
  if (scalarIndex >= 0) list.push(["scalar with a metric", replaceAt(fields, scalarIndex, (f) => ({ ...f, distanceMetric: "cosine" }))]);
  const broken: Breakage[] = list.map(([rule, value]) => ({ rule, schemaConfiguration: { fields: value } }));
  broken.push({ rule: "fields not an array", schemaConfiguration: { fields: {} } });
  broken.push({ rule: "unknown configuration member", schemaConfiguration: { fields, vectorIndexConfig: {} } });
  broken.push({ rule: "configuration not an object", schemaConfiguration: [fields] });
  return broken;
}
