// The model store's settings schema on its own, without mocks (components/model-store/args.ts): its defaults and
// the stack name it puts into SSM parameter paths. The component itself is tested in model-store.test.ts.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../components/args";
import { modelStoreSettings, type ModelStoreSettingsInput } from "../../components/model-store/args";

const parse = (input: ModelStoreSettingsInput) => resolveArgs("ModelStore", modelStoreSettings, input);

describe("modelStoreSettings", () => {
  it("defaults to an unprotected bucket keeping noncurrent versions 90 days", () => {
    expect(parse({ stack: "dev" })).toEqual({ stack: "dev", protect: false, noncurrentVersionDays: 90 });
  });

  it("stack: 1 to 64 characters of a-z, A-Z, 0-9, '-' and '_'", () => {
    for (const stack of ["d", "Prod_2-eu", "s".repeat(64)]) expect(parse({ stack }).stack).toBe(stack);
    for (const stack of ["", "s".repeat(65), "a/b", "dev.eu"]) {
      expect(() => parse({ stack })).toThrow(`ModelStore: stack: must be 1-64 characters of a-z, A-Z, 0-9, '-' and '_', got ${JSON.stringify(stack)}`);
    }
  });

  it("noncurrentVersionDays: 1 to 3650", () => {
    expect(parse({ stack: "dev", noncurrentVersionDays: 3650 }).noncurrentVersionDays).toBe(3650);
    expect(() => parse({ stack: "dev", noncurrentVersionDays: 0 })).toThrow("ModelStore: noncurrentVersionDays: must be >= 1, got 0");
    expect(() => parse({ stack: "dev", noncurrentVersionDays: 3651 })).toThrow("ModelStore: noncurrentVersionDays: must be <= 3650, got 3651");
  });
});
