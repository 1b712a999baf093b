import { defineConfig } from "vitest/config";

export default defineConfig({
  define: { DIAGNOSTIC: "true" },
  resolve: { conditions: ["@rump/source"] },
  // vitest resolves test imports in the SSR environment, which has its own conditions
  ssr: { resolve: { conditions: ["@rump/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "tests/**/*.test.ts", "netbsd-src/test/**/*.test.ts"],
    pool: "forks",
    // librump keeps no module-level state (every test boots its own kernel),
    // so files can share a worker and load the kernel sources once
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
