// A LambdaFunction's settings schema on its own, without mocks (components/lambda-function/args.ts): its defaults
// and each range at its edges, with the Lambda quota each comes from. The component's use of them is tested in
// lambda-function.test.ts.
import { describe, expect, it } from "vitest";
import { resolveArgs } from "../../components/args";
import { lambdaFunctionSettings, type LambdaFunctionSettingsInput } from "../../components/lambda-function/args";

const parse = (input: LambdaFunctionSettingsInput) => resolveArgs("LambdaFunction", lambdaFunctionSettings, input);

describe("lambdaFunctionSettings", () => {
  it("defaults to no description, no reserved concurrency (unreserved), 30 s, 256 MiB, 30 days of logs, arm64", () => {
    expect(parse({ folder: "register-model" })).toStrictEqual({
      folder: "register-model",
      description: "",
      timeoutSeconds: 30,
      memoryMb: 256,
      logRetentionDays: 30,
      architecture: "arm64",
    });
  });

  it("folder: a name under lambda/ of a-z, 0-9 and '-'", () => {
    expect(parse({ folder: "drift-retrain-2" }).folder).toBe("drift-retrain-2");
    for (const folder of ["", "Register", "../etc", "a/b", "x y"]) {
      expect(() => parse({ folder })).toThrow(`LambdaFunction: folder: must be a folder name under lambda/ (a-z, 0-9 and '-'), got ${JSON.stringify(folder)}`);
    }
  });

  it.each([
    [{ folder: "x", reservedConcurrency: 0 }, "LambdaFunction: reservedConcurrency: must be >= 1, got 0"],
    [{ folder: "x", reservedConcurrency: 1001 }, "LambdaFunction: reservedConcurrency: must be <= 1000, got 1001"],
    [{ folder: "x", timeoutSeconds: 901 }, "LambdaFunction: timeoutSeconds: must be <= 900, got 901"],
    [{ folder: "x", memoryMb: 64 }, "LambdaFunction: memoryMb: must be >= 128, got 64"],
    [{ folder: "x", logRetentionDays: 10 }, "LambdaFunction: logRetentionDays: must be one of CloudWatch Logs' retention values"],
  ])("rejects %j naming the arg", (args, message) => {
    expect(() => parse(args)).toThrow(message);
  });

  it("ranges at their edges: description up to 256 characters, timeout 1-900 s, memory 128-10240 MiB, reservation 1-1000", () => {
    expect(parse({ folder: "f", description: "d".repeat(256), timeoutSeconds: 900, memoryMb: 10240, reservedConcurrency: 1000 })).toMatchObject({
      description: "d".repeat(256),
      timeoutSeconds: 900,
      memoryMb: 10240,
      reservedConcurrency: 1000,
    });
    expect(parse({ folder: "f", timeoutSeconds: 1, memoryMb: 128, reservedConcurrency: 1 })).toMatchObject({ timeoutSeconds: 1, memoryMb: 128, reservedConcurrency: 1 });
    expect(() => parse({ folder: "f", description: "d".repeat(257) })).toThrow("LambdaFunction: description: must be at most 256 characters long, got 257");
    expect(() => parse({ folder: "f", timeoutSeconds: 0 })).toThrow("LambdaFunction: timeoutSeconds: must be >= 1, got 0");
    expect(() => parse({ folder: "f", memoryMb: 10241 })).toThrow("LambdaFunction: memoryMb: must be <= 10240, got 10241");
  });

  it("architecture: arm64 or x86_64", () => {
    expect(parse({ folder: "f", architecture: "x86_64" }).architecture).toBe("x86_64");
    expect(() => parse({ folder: "f", architecture: "arm" as "arm64" })).toThrow('LambdaFunction: architecture: must be one of "arm64", "x86_64", got "arm"');
  });
});
