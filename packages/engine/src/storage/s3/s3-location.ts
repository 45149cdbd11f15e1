// Where in object storage a store lives: `s3://BUCKET/PREFIX`. The prefix is made of blob-name
// segments so that every key the store writes is a plain path; it is kept with a trailing '/'.
import { isNameSegment } from "../blob-name.ts";

export interface S3Location {
  bucket: string;
  /** "" or segments ending with '/': every key of the store starts with it. */
  prefix: string;
}

/** Parses `s3://BUCKET[/PREFIX[/]]`; throws RangeError saying what is wrong. */
export function parseS3Location(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new RangeError(`${JSON.stringify(url)} is not an s3://BUCKET/PREFIX URL`);
  const bucket = match[1]!;
  // S3's own bucket rule; Ceph and MinIO follow it by default.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RangeError(`bucket ${JSON.stringify(bucket)} must be 3 to 63 characters of a-z, 0-9, '.' and '-'`);
  }
  const given = match[2] ?? "";
  const path = given.replace(/\/$/, "");
  if (given !== "" && !path.split("/").every(isNameSegment)) {
    throw new RangeError(`prefix ${JSON.stringify(path)} must be '/'-separated parts of A-Z, a-z, 0-9, '.', '_' and '-', none starting with '.'`);
  }
  return { bucket, prefix: path === "" ? "" : `${path}/` };
}

export function formatS3Location({ bucket, prefix }: S3Location): string {
  return `s3://${bucket}/${prefix}`;
}
