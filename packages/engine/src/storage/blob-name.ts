// What a blob name may be, the same for every store: '/'-separated segments of ASCII letters, digits,
// '.', '_' and '-', none starting with '.'. The engine only makes such names. Keeping stores to one
// rule means a data directory and a bucket hold the same names, and each store can keep its own
// housekeeping (a local temp directory, an object store's probe objects) under a name starting with
// '.' that no listing returns.
const NAME_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Whether `segment` may be one '/'-separated part of a blob name. */
export function isNameSegment(segment: string): boolean {
  return NAME_SEGMENT.test(segment);
}

export function isBlobName(name: string): boolean {
  return name.split("/").every(isNameSegment);
}

/** The name's segments; throws RangeError for a name outside the rule. */
export function blobNameSegments(name: string): string[] {
  const segments = name.split("/");
  if (!segments.every(isNameSegment)) throw new RangeError(`invalid blob name ${JSON.stringify(name)}`);
  return segments;
}
