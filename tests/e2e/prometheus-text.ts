// A small parser of Prometheus' text exposition format, strict enough that a malformed line fails the
// test that reads it: `# HELP`/`# TYPE` comments, then `name{label="value",...} number` samples.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name → its declared type (counter, gauge, histogram, ...). */
  types: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const ESCAPES: Record<string, string> = { "\\": "\\", "\"": "\"", n: "\n" };

/** Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(text: string, line: string): number {
  const word = text.toLowerCase();
  if (word === "+inf" || word === "inf") return Infinity;
  if (word === "-inf") return -Infinity;
  if (word === "nan") return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`bad sample value in ${JSON.stringify(line)}`);
  return value;
}

function parseLabels(line: string, start: number, labels: Record<string, string>): number {
  let at = start;
  while (line[at] !== "}") {
    const name = NAME.exec(line.slice(at))?.[0];
    if (!name || line.slice(at + name.length, at + name.length + 2) !== "=\"") throw new Error(`bad label in ${JSON.stringify(line)}`);
    at += name.length + 2;
    let value = "";
    while (line[at] !== "\"") {
      if (at >= line.length) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
      if (line[at] === "\\") {
        const escaped = ESCAPES[line[at + 1] ?? ""];
        if (escaped === undefined) throw new Error(`bad escape in ${JSON.stringify(line)}`);
        value += escaped;
        at += 2;
      } else value += line[at++];
    }
    labels[name] = value;
    at++;
    if (line[at] === ",") at++;
  }
  return at + 1;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`bad metric name in ${JSON.stringify(line)}`);
  const labels: Record<string, string> = {};
  let at = name.length;
  if (line[at] === "{") at = parseLabels(line, at + 1, labels);
  if (line[at] !== " ") throw new Error(`no value in ${JSON.stringify(line)}`);
  const [value, timestamp, ...extra] = line.slice(at + 1).split(" ");
  if (extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`trailing text in ${JSON.stringify(line)}`);
  return { name, labels, value: parseValue(value ?? "", line) };
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const [, keyword, family, type] = line.split(" ");
      if (keyword === "TYPE" && family && type) types.set(family, type);
      continue;
    }
    samples.push(parseSample(line));
  }
  return { samples, types };
}

/** The samples named `name` whose labels include all of `labels`. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The one sample named `name` with these labels; fails when there is none or more than one. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(exposition, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}
