import { defineConfig } from "vitest/config";

// Pulumi's runtime state is process-global: every test file runs in its own forked process,
// so each file can call `pulumi.runtime.setMocks` once.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
