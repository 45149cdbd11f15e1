// The documentation's references stay inside the repository: no file cites a document outside it (the
// team's old design notes and protocol notes), every relative link in the Markdown resolves, and every
// `docs/<file>.md#anchor` named anywhere, code comments included, is a heading of that file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Tracked files, plus new ones not ignored (so a reference is caught before it is committed). */
function repositoryFiles(): string[] {
  const git = (...args: string[]) => execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  const names = [...git("ls-files").split("\n"), ...git("ls-files", "--others", "--exclude-standard").split("\n")];
  return [...new Set(names)].filter((name) => name !== "" && existsSync(join(ROOT, name))).sort();
}

const FILES = repositoryFiles();
const texts = new Map<string, string>();

/** A file's text, or undefined for binaries (a NUL byte) and lock files nobody writes by hand. */
function textOf(file: string): string | undefined {
  if (file.endsWith("package-lock.json")) return undefined;
  if (!texts.has(file)) {
    const bytes = readFileSync(join(ROOT, file));
    texts.set(file, bytes.includes(0) ? "" : bytes.toString("utf8"));
  }
  return texts.get(file) || undefined;
}

/** Each match of `pattern` in the repository's text files, as `file:line: text`. */
function findAll(pattern: RegExp, files = FILES): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = textOf(file);
    if (text === undefined) continue;
    text.split("\n").forEach((line, i) => {
      if (pattern.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

/** GitHub's heading anchor: lower-case, punctuation other than "-" and "_" dropped, spaces to "-". */
export function slug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Fenced code blocks and inline code removed, so examples are not read as headings or links. */
function proseOf(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
}

const anchorCache = new Map<string, Set<string>>();

/** The anchors of a Markdown file's headings, duplicates numbered as GitHub does. */
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = new Set();
    const seen = new Map<string, number>();
    const text = readFileSync(join(ROOT, file), "utf8").replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "");
    for (const line of text.split("\n")) {
      const heading = /^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$/.exec(line);
      if (!heading) continue;
      const base = slug(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

const SECTION = "\u00a7";

test("no file cites the design notes or protocol notes kept outside the repository", () => {
  const citations = findAll(new RegExp(`\\b(design( doc)?|spec)\\s*${SECTION}`, "i"));
  // A citation broken over two comment lines: the word ends one line, the section sign opens the next.
  const broken = FILES.flatMap((file) => {
    const text = textOf(file);
    if (text === undefined) return [];
    return [...text.matchAll(new RegExp(`\\b(design|spec)[ \\t]*\\n[ \\t]*(\\*|//|#)?[ \\t]*${SECTION}`, "gi"))]
      .map((m) => `${file}:${text.slice(0, m.index).split("\n").length}: ${m[0].replace(/\s+/g, " ")}`);
  });
  const outside = findAll(/(^|[^\w./-])(\.\.\/)*shared\/[\w.-]/);
  const byName = findAll(new RegExp(`\\b(oss-vectors-protocol|oss-vectors-fusion|s3-vectors-protocol)\\.md\\b|\\bdesign\\.md\`?\\s*${SECTION}`));
  const problems = [...citations, ...broken, ...outside, ...byName];
  assert.deepEqual(problems, [], `link these to docs/ instead (docs/architecture.md, docs/protocol.md):\n${problems.join("\n")}`);
});

test("every relative link in the Markdown files resolves, anchors included", () => {
  const problems: string[] = [];
  for (const file of FILES.filter((f) => f.endsWith(".md"))) {
    const prose = proseOf(textOf(file) ?? "");
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like
      const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
      const path = decodeURIComponent(pathPart.split("?")[0]!);
      const resolved = path === "" ? file : normalize(join(dirname(file), path));
      if (resolved.startsWith("..") || !existsSync(join(ROOT, resolved))) {
        problems.push(`${file}: (${target}) does not resolve to a file in the repository`);
        continue;
      }
      if (anchor && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor.toLowerCase())) {
        problems.push(`${file}: (${target}) names no heading of ${resolved}`);
      }
    }
  }
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("every docs/<file>.md and docs/<file>.md#anchor named anywhere exists", () => {
  const problems: string[] = [];
  for (const file of FILES) {
    const text = textOf(file);
    if (text === undefined) continue;
    text.split("\n").forEach((line, i) => {
      for (const m of line.matchAll(/(?<![\w.-])docs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
        const doc = `docs/${m[1]}`;
        const where = `${file}:${i + 1}`;
        if (!existsSync(join(ROOT, doc))) problems.push(`${where}: ${doc} does not exist`);
        else if (m[2] && !anchorsOf(doc).has(m[2])) problems.push(`${where}: ${doc} has no heading #${m[2]}`);
      }
    });
  }
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("slug() makes GitHub's heading anchors", () => {
  assert.equal(slug("Where the documentation is silent"), "where-the-documentation-is-silent");
  assert.equal(slug("Catalog object (`catalog/<seq>.json`)"), "catalog-object-catalogseqjson");
  assert.equal(slug("Damage, fsck and quarantine"), "damage-fsck-and-quarantine");
  assert.equal(slug("1. Listener"), "1-listener");
  assert.equal(relative(ROOT, join(ROOT, "docs")), "docs");
});
