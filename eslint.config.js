// Lint = typescript-eslint's recommended rules plus the layering rule of design §1:
// protocol imports nothing of ours; engine may not import server; sdk may not import engine or server.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const forbid = (...names) => ({
  "no-restricted-imports": ["error", {
    patterns: names.map((name) => ({
      group: [`@ossv/${name}`, `@ossv/${name}/*`, `**/${name}/src/**`],
      message: `layering (design §1): this package may not import @ossv/${name}`,
    })),
  }],
});

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "bench/.cache/**", "ossv-data/**"] },
  js.configs.recommended,
  { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  { files: ["packages/protocol/**"], rules: forbid("engine", "server", "sdk", "cli") },
  { files: ["packages/engine/**"], rules: forbid("server", "sdk", "cli") },
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
