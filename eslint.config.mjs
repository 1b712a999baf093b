// @ts-check
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const HOST_FREE =
  "the kernel never touches the host: go through rumpuser (DESIGN.md, 'Packages and the direction of dependencies')";
const HOST_FREE_PATTERNS = [
  { group: ["node:*"], message: HOST_FREE },
  {
    regex: "^(fs|path|os|child_process|worker_threads|crypto|net|util|buffer|events|stream)(/.*)?$",
    message: HOST_FREE,
  },
];
const RUMP_ON_TOP =
  "rump/ assembles and boots the kernel and sits on top: below it, import the kernel's state from kern/kernel.ts (packages/librump/README.md, Layout)";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/build/**", "**/.turbo/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    name: "host-free kernel packages",
    files: [
      "packages/librump/src/**/*.ts",
      "packages/rump-syscalls/src/**/*.ts",
      "packages/rump-vop/src/**/*.ts",
    ],
    rules: {
      "no-restricted-imports": ["error", { patterns: HOST_FREE_PATTERNS }],
      "no-restricted-globals": [
        "error",
        { name: "process", message: HOST_FREE },
        { name: "Buffer", message: HOST_FREE + "; use Uint8Array" },
        { name: "require", message: HOST_FREE },
        { name: "setTimeout", message: "kernel tasks are scheduled through rumpuser" },
        { name: "setInterval", message: "kernel tasks are scheduled through rumpuser" },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "FunctionDeclaration[async=true], FunctionExpression[async=true], ArrowFunctionExpression[async=true]",
          message:
            "no async inside the kernel: a system call runs to completion (DESIGN.md, execution model)",
        },
        {
          selector: "AwaitExpression",
          message: "no await inside the kernel (DESIGN.md, execution model)",
        },
      ],
    },
  },
  {
    // librump's imports run downward (fs -> kern -> sys, rump/ on top): no
    // run-time import cycle (type-only imports are erased and do not count)
    name: "librump layering",
    files: ["packages/librump/src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensionAlias: { ".js": [".ts", ".js"] } })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    name: "librump: nothing below rump/ imports it",
    files: ["packages/librump/src/**/*.ts"],
    ignores: ["packages/librump/src/rump/**", "packages/librump/src/index.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...HOST_FREE_PATTERNS,
            { group: ["**/rump/*", "./rump/*"], message: RUMP_ON_TOP },
          ],
        },
      ],
    },
  },
  {
    name: "generated code",
    files: ["packages/*/src/gen/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-vars": "off" },
  },
);
