// Mutation testing of the policy pack, the IAM / IoT policy builders and the config schemas (`npm run bench:mutation`,
// not part of `npm test`): StrykerJS changes the code one mutant at a time and runs the vitest suites that cover each change
// (vitest.mutation.config.mts); a mutant no test notices survives. scripts/bench-mutation.ts runs this and prints
// the score per folder and every survivor.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.mts", related: true },
  // policy/index.ts is left out: its test changes the working directory, which vitest's worker threads (the only
  // pool Stryker's vitest runner uses) cannot do; `npm test` runs it, and pack.test.ts runs the pack it builds.
  // The config schemas: each component's args schema, how args are resolved and errors worded (components/args.ts),
  // the stack config composing them (components/config.ts), and the region and CSR checks it calls.
  mutate: [
    "policy/**/*.ts",
    "!policy/index.ts",
    "components/iam.ts",
    "components/edge-fleet/policies.ts",
    "components/args.ts",
    "components/*/args.ts",
    "components/config.ts",
    "components/regions.ts",
    "components/csr.ts",
  ],
  coverageAnalysis: "perTest",
  // Static mutants change values computed when a module loads (rule descriptions, mappings, documented defaults,
  // constant lists); each costs a full reload and run of every suite — about 88% of the time for a third of the
  // mutants. They are reported as ignored; the behaviour they feed is tested through the functions that read them.
  ignoreStatic: true,
  // The machine has 2 cores, shared with other work: one test runner at a time.
  concurrency: 1,
  timeoutMS: 10_000,
  reporters: ["json", "clear-text", "progress"],
  jsonReporter: { fileName: ".reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  // Files the mutated code and its tests never read stay out of the sandbox copy. edge/ and airflow/ stay: the stack
  // config's tests make CSRs with edge/device-csr.sh and read airflow/requirements.txt. .venv is a link to the Python
  // environments, which nothing here reads.
  ignorePatterns: ["docs", "training", "service", ".reports", ".github", "*.svg", ".venv"],
  thresholds: { high: 90, low: 80, break: null },
};
