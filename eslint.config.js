// Lint = typescript-eslint's type-checked recommended rules (they read the types, so they catch a
// promise nobody awaits or a promise handed to something that ignores it) plus the layering rule of
// docs/architecture.md#packages-and-layering: protocol imports nothing of ours; engine may not import
// server; sdk may not import engine or server.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const forbid = (...names) => ({
  "no-restricted-imports": ["error", {
    patterns: names.map((name) => ({
      group: [`@ossv/${name}`, `@ossv/${name}/*`, `**/${name}/src/**`],
      message: `layering (docs/architecture.md#packages-and-layering): this package may not import @ossv/${name}`,
    })),
  }],
});

// The engine's rooms, lowest first (docs/architecture.md#engine-rooms): a room's source may import only
// rooms below it, and no room imports the engine's top (engine.ts, index.ts) except testing/. Tests may
// reach up.
const ENGINE_ROOMS = ["base", "text", "format", "storage", "search", "state", "maintenance", "collection", "catalog", "cluster", "fsck"];

function engineRooms() {
  const packageRule = forbid("server", "sdk", "cli")["no-restricted-imports"][1].patterns;
  return ENGINE_ROOMS.map((room, level) => {
    const above = ENGINE_ROOMS.slice(level + 1);
    const patterns = [
      ...above.map((higher) => ({
        regex: `^(\\.\\./)+${higher}/`,
        message: `engine rooms: ${room}/ sits below ${higher}/ and may not import it (docs/architecture.md#engine-rooms)`,
      })),
      { regex: "^(\\.\\./)+(engine|index)\\.ts$", message: `engine rooms: ${room}/ may not import the engine's top` },
    ];
    return {
      files: [`packages/engine/src/${room}/**/*.ts`, `packages/engine/src/${room}/**/*.mjs`],
      ignores: ["**/*.test.ts"],
      rules: { "no-restricted-imports": ["error", { patterns: [...packageRule, ...patterns] }] },
    };
  });
}

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "bench/.cache/**", "ossv-data/**"] },
  js.configs.recommended,
  { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // node:test's test() and describe() return promises the runner itself settles and reports;
      // awaiting them at a file's top level would only serialise the file's tests.
      "@typescript-eslint/no-floating-promises": ["error", {
        allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] }],
      }],
      "@typescript-eslint/no-misused-promises": "error",
      // Tests and diagnostics print arrays of numbers in messages on purpose; objects still count.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowArray: true, allowNumber: true, allowBoolean: true, allowNullish: true }],
      // Left off, with what they found when tried:
      // - no-unsafe-assignment/-call/-argument/-return/-member-access: ~90 findings, nearly all a
      //   test reading fields of a parsed JSON answer (`any` by design); typing each adds noise, not safety.
      // - require-await: 17 async functions without await that implement a Promise-returning
      //   interface or turn a throw into a rejection on purpose.
      // - only-throw-error, prefer-promise-reject-errors: the findings rethrow a failure caught earlier
      //   (typed unknown) or hand `reject` to a queue; both are what the code means.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/only-throw-error": "off",
      "@typescript-eslint/prefer-promise-reject-errors": "off",
    },
  },
  // Plain JavaScript (the CLI's launcher, build scripts, workers) is in no tsconfig: no type-aware rules.
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["packages/protocol/**"], rules: forbid("engine", "server", "sdk", "cli") },
  { files: ["packages/hnsw/**"], rules: forbid("protocol", "engine", "server", "sdk", "cli") },
  { files: ["packages/engine/**"], rules: forbid("server", "sdk", "cli") },
  ...engineRooms(),
  { files: ["packages/sdk/**"], rules: {
    ...forbid("engine", "server", "cli"),
    "no-restricted-imports": ["error", {
      patterns: [
        ...forbid("engine", "server", "cli")["no-restricted-imports"][1].patterns,
        { group: ["node:*"], message: "the SDK runs on Bun, Deno and browsers: no node: imports" },
      ],
    }],
  } },
  { files: ["packages/server/**"], rules: forbid("sdk", "cli") },
  // The SDK's tests, test servers and build scripts run on Node only, as does its "node" entry (the
  // package.json export condition): node: imports are fine there.
  {
    files: ["packages/sdk/**/*.test.ts", "packages/sdk/src/testing/**", "packages/sdk/src/node/**", "packages/sdk/src/index.node.ts"],
    rules: forbid("engine", "cli"),
  },
);
