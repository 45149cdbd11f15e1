import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatS3Location, parseS3Location } from "./s3-location.ts";
import { seedFromEnv } from "../../testing/test-support.ts";

const bucketChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789.-");
const bucket = fc.tuple(fc.constantFrom(..."az09"), fc.string({ unit: bucketChar, minLength: 1, maxLength: 61 }), fc.constantFrom(..."az09"))
  .map(([first, middle, last]) => first + middle + last);
const segment = fc.tuple(fc.constantFrom(..."aZ9_-"), fc.string({ unit: fc.constantFrom(..."abXY09._-"), maxLength: 12 })).map(([a, b]) => a + b);
const prefix = fc.array(segment, { maxLength: 4 }).map((parts) => parts.join("/"));

test("any valid bucket and prefix parse, with or without a trailing slash, and format back (seeded property)", () => {
  fc.assert(fc.property(bucket, prefix, fc.boolean(), (name, path, slash) => {
    const url = `s3://${name}${path === "" ? (slash ? "/" : "") : `/${path}${slash ? "/" : ""}`}`;
    const location = parseS3Location(url);
    assert.deepEqual(location, { bucket: name, prefix: path === "" ? "" : `${path}/` });
    assert.deepEqual(parseS3Location(formatS3Location(location)), location);
  }), { seed: seedFromEnv("s3 location"), numRuns: 500 });
});

test("URLs that are not s3://BUCKET/PREFIX, bad buckets and bad prefixes are refused", () => {
  for (const url of ["", "s3://", "s3:///p", "http://b/p", "vectors", "s3://ab", `s3://${"a".repeat(64)}`, "s3://-ab/p", "s3://Abc",
    "s3://ab_c", "s3://abc/.hidden", "s3://abc/a//b", "s3://abc/a/../b", "s3://abc/ä", "s3://abc/a b", "s3://abc//"]) {
    assert.throws(() => parseS3Location(url), RangeError, url);
  }
});
