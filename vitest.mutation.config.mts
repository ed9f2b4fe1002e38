import { defineConfig } from "vitest/config";
import base from "./vitest.config.mts";

// The test files that judge the mutated code of `npm run bench:mutation` (stryker.config.mjs): the policy pack's
// suites, the tests of the edge fleet's and components/iam.ts's policy builders, and the config schemas' suites (the
// stack config's in test/config/, each component's args schema in test/<component>/args*.test.ts), all pure and
// quick to load.
// Left out, though `npm test` runs them: suites that run the pack or the plan in a child process (pack.test.ts,
// stacks.test.ts), where Stryker's active mutant does not reach; suites that load @pulumi/aws (recorded-plan.test.ts,
// alarm-topic.test.ts), which would add seconds to every mutant; and index.test.ts, which changes the working
// directory (impossible in Stryker's worker threads; policy/index.ts is not mutated). The base config's settings
// apply otherwise (its include list is replaced, not extended).
export default defineConfig({
  test: {
    ...base.test,
    include: [
      "test/policy/*.test.ts",
      "test/edge-fleet/policies.test.ts",
      "test/iam/iam.test.ts",
      "test/config/*.test.ts",
      "test/*/args*.test.ts",
    ],
    exclude: ["test/policy/{pack,stacks,index,recorded-plan,alarm-topic}.test.ts"],
  },
});
