// components/args.ts on its own: the wording of every kind of zod issue (what is wrong and what is allowed, the
// value refused), paths and values inside nested input, the nearest allowed key, numbers as a person writes them,
// which keys resolveArgs passes to the schema, and the shared field types at their edges. Each component's args
// tests and the stack config's tests see the same words through their own schemas; these pin them down once.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ArgError,
  arn,
  ConfigError,
  describeIssue,
  firstIssue,
  formatNumber,
  formatPath,
  int,
  iotName,
  keysAt,
  resolveArgs,
  resourceError,
  retentionDays,
  s3Prefix,
  semver,
  unknownName,
  valueAt,
} from "../../components/args";

/** The words describeIssue gives for the first issue of parsing `input` with `schema` (valueAt the issue's path). */
function words(schema: z.ZodType, input: unknown, allowedKeys?: readonly string[]): string {
  const result = schema.safeParse(input);
  if (result.success) return "ok";
  const issue = result.error.issues[0];
  return describeIssue(issue, valueAt(input, issue.path), allowedKeys);
}

describe("errors", () => {
  it("ArgError is one line naming component, arg and problem, and keeps each part", () => {
    const e = new ArgError("InferenceService", "loadBalancer.certificateArn", "must be an acm ARN");
    expect(e).toBeInstanceOf(pulumi.RunError);
    expect(e.message).toBe("InferenceService: loadBalancer.certificateArn: must be an acm ARN");
    expect([e.name, e.component, e.arg, e.problem]).toEqual(["ArgError", "InferenceService", "loadBalancer.certificateArn", "must be an acm ARN"]);
  });

  it("ConfigError is one line `config error: <key>: <problem>`", () => {
    const e = new ConfigError("edge-mlops:airflow.minWorkers", "must be >= 1, got 0");
    expect(e).toBeInstanceOf(pulumi.RunError);
    expect(e.message).toBe("config error: edge-mlops:airflow.minWorkers: must be >= 1, got 0");
    expect([e.name, e.key, e.problem]).toEqual(["ConfigError", "edge-mlops:airflow.minWorkers", "must be >= 1, got 0"]);
  });

  it("resourceError words a check inside apply the same way", () => {
    const resource = { urn: "urn:x" } as unknown as pulumi.Resource;
    const e = resourceError("TrainingWorkflow", "dataBucket.existing", "is not in this region", resource);
    expect(e).toBeInstanceOf(pulumi.ResourceError);
    expect(e.message).toBe("TrainingWorkflow: dataBucket.existing: is not in this region");
  });
});

describe("paths and values", () => {
  it.each<[PropertyKey[], string]>([
    [[], ""],
    [["a"], "a"],
    [["a", "b"], "a.b"],
    [["a", 2, "c"], "a[2].c"],
    [[0, "b"], "[0].b"],
    [["tags", "aws:owner"], "tags.aws:owner"],
  ])("formatPath(%j) is %j", (p, text) => {
    expect(formatPath(p)).toBe(text);
  });

  it("valueAt follows keys and indexes, and is undefined past a leaf or null", () => {
    const root = { a: { list: [{ b: 1 }, { b: 2 }] }, n: null, s: "text" };
    expect(valueAt(root, ["a", "list", 1, "b"])).toBe(2);
    expect(valueAt(root, [])).toBe(root);
    expect(valueAt(root, ["n", "x"])).toBeUndefined();
    expect(valueAt(root, ["s", "length"])).toBeUndefined();
    expect(valueAt(root, ["missing", "x"])).toBeUndefined();
  });
});

describe("unknownName", () => {
  it("names the nearest allowed name and lists them all", () => {
    expect(unknownName("natGateway", ["cidrBlock", "natGateways", "flowLogs"])).toBe(
      "'natGateway' (did you mean 'natGateways'? allowed: cidrBlock, natGateways, flowLogs)",
    );
  });
  it("is just the name where nothing is allowed", () => {
    expect(unknownName("x", [])).toBe("'x'");
  });
});

describe("formatNumber", () => {
  it.each<[number, string]>([
    [0, "0"],
    [-5, "-5"],
    [1e25, "10000000000000000000000000"],
    [1234567, "1234567"],
    [0.1 + 0.2, "0.30000000000000004"],
    [10.125, "10.125"],
    [Infinity, "Infinity"],
    [NaN, "NaN"],
  ])("%s as %j", (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });
});

describe("describeIssue", () => {
  const shape = z.strictObject({ alpha: z.number(), beta: z.string() });

  it("an unknown key: the nearest allowed one when the keys are known, else the key alone", () => {
    expect(words(shape, { alpha: 1, beta: "b", alpah: 2 }, ["alpha", "beta"])).toBe("unknown key 'alpah' (did you mean 'alpha'? allowed: alpha, beta)");
    expect(words(shape, { alpha: 1, beta: "b", alpah: 2 })).toBe("unknown key 'alpah'");
  });

  it("several unknown keys: each named, the allowed ones listed when known", () => {
    expect(words(shape, { alpha: 1, beta: "b", x: 1, y: 2 }, ["alpha", "beta"])).toBe("unknown keys 'x', 'y' (allowed: alpha, beta)");
    expect(words(shape, { alpha: 1, beta: "b", x: 1, y: 2 })).toBe("unknown keys 'x', 'y'");
  });

  it("a bad record key: the key schema's own words", () => {
    const tags = z.record(z.string().refine((k) => !k.startsWith("aws:"), { message: "tag keys must not start with 'aws:'" }), z.string());
    expect(words(tags, { "aws:x": "v" })).toBe("tag keys must not start with 'aws:'");
  });

  it("a wrong type: what is expected, in words, and the value given; or that it is required", () => {
    expect(words(z.array(z.string()), { a: 1 })).toBe('must be a list, got {"a":1}');
    expect(words(z.strictObject({}), [1])).toBe("must be an object (a mapping of keys to values), got [1]");
    expect(words(z.number().int(), 1.5)).toBe("must be an integer, got 1.5");
    expect(words(z.number(), "two")).toBe('must be a number, got "two"');
    expect(words(z.boolean(), "yes")).toBe('must be a boolean, got "yes"');
    expect(words(z.strictObject({ n: z.number() }), {})).toBe("is required (a number)");
    expect(words(z.strictObject({ l: z.array(z.number()) }), {})).toBe("is required (a list)");
  });

  it("too small: strings and lists in items, numbers against the bound, inclusive or not, with the value", () => {
    expect(words(z.string().min(3), "ab")).toBe("must be at least 3 character(s) long, got 2");
    expect(words(z.array(z.number()).min(2), [1])).toBe("must have at least 2 item(s), got 1");
    expect(words(z.number().min(1), 0)).toBe("must be >= 1, got 0");
    expect(words(z.number().gt(0), 0)).toBe("must be > 0, got 0");
    expect(words(z.number().gt(0), -1e-7)).toBe("must be > 0, got -0.0000001");
    expect(words(z.bigint().min(5n), 1n)).toBe("must be >= 5");
  });

  it("a length or bound without the value, where the value is not known", () => {
    const short = z.string().min(3).safeParse("ab").error!.issues[0];
    expect(describeIssue(short, undefined)).toBe("must be at least 3 character(s) long");
    const long = z.array(z.number()).max(1).safeParse([1, 2]).error!.issues[0];
    expect(describeIssue(long, undefined)).toBe("must have at most 1 items");
    const big = z.number().max(10).safeParse(11).error!.issues[0];
    expect(describeIssue(big, undefined)).toBe("must be <= 10");
  });

  it("a bound beyond 10^21 in digits, as written, not in exponent notation", () => {
    expect(words(z.number().max(1e21), 1e22)).toBe("must be <= 1000000000000000000000, got 10000000000000000000000");
    expect(words(z.number().min(-1e21), -1e22)).toBe("must be >= -1000000000000000000000, got -10000000000000000000000");
  });

  it("too big: strings and lists in items, numbers against the bound, inclusive or not, with the value", () => {
    expect(words(z.string().max(3), "abcd")).toBe("must be at most 3 characters long, got 4");
    expect(words(z.array(z.number()).max(1), [1, 2])).toBe("must have at most 1 items, got 2");
    expect(words(z.number().max(100), 150)).toBe("must be <= 100, got 150");
    expect(words(z.number().lt(100), 100)).toBe("must be < 100, got 100");
    expect(words(z.bigint().max(5n), 9n)).toBe("must be <= 5");
  });

  it("zod's own bound of integers is no AWS limit: only 'too large'", () => {
    expect(words(z.number().int(), 2 ** 60)).toBe("is too large, got 1152921504606847000");
  });

  it("a value outside an enum: the allowed values and the value given; or that one is required", () => {
    const mode = z.strictObject({ mode: z.enum(["single", "onePerAz"]) });
    expect(words(mode, { mode: "none" })).toBe('must be one of "single", "onePerAz", got "none"');
    expect(words(mode, {})).toBe('is required; must be one of "single", "onePerAz"');
    expect(words(z.literal(3), 4)).toBe("must be one of 3, got 4");
  });

  it("a custom message: the value refused is added unless the message already says it", () => {
    const even = z.number().refine((n) => n % 2 === 0, { message: "must be even" });
    expect(words(even, 3)).toBe("must be even, got 3");
    const name = z.string().refine(() => false, { message: "must be a known name" });
    expect(words(name, "x")).toBe('must be a known name, got "x"');
    expect(words(z.string().refine(() => false, { message: "'g1' is used twice" }), "g1")).toBe("'g1' is used twice");
    expect(words(z.string().refine(() => false, { message: '"g1" is used twice' }), "g1")).toBe('"g1" is used twice');
    expect(words(z.number().refine(() => false, { message: "is too many, got 65" }), 65)).toBe("is too many, got 65");
    expect(words(z.number().refine(() => false, { message: "is forgotten" }), 65)).toBe("is forgotten, got 65");
    // Only a text value is looked for in quotes: a number is added even where the message quotes its digits.
    expect(words(z.number().refine(() => false, { message: "'65' is taken" }), 65)).toBe("'65' is taken, got 65");
    expect(words(z.array(z.number()).refine(() => false, { message: "must be sorted" }), [2, 1])).toBe("must be sorted");
    expect(words(z.strictObject({ a: z.number().optional() }).refine(() => false, { message: "needs a", path: ["a"] }), {})).toBe("needs a");
  });

  it("a word containing 'got' is not taken for the value already said", () => {
    expect(words(z.string().refine(() => false, { message: "must not be forgotten" }), "x")).toBe('must not be forgotten, got "x"');
  });
});

describe("firstIssue and keysAt", () => {
  const inner = z.strictObject({ port: z.number(), host: z.string() });
  const schema = z.strictObject({
    server: inner.optional(),
    list: z.array(z.strictObject({ name: z.string(), size: z.number() })).default([]),
    byName: z.record(z.string(), z.strictObject({ weight: z.number() })).default({}),
    either: z.union([z.strictObject({ a: z.number() }), z.strictObject({ b: z.number() })]).optional(),
    piped: z.strictObject({ p: z.number() }).transform((v) => v).optional(),
    later: z.lazy(() => z.strictObject({ l: z.number() })).optional(),
    leaf: z.number().optional(),
  });

  it("names the path of the first issue, an unknown key included, with the nearest allowed key", () => {
    const input = { server: { port: 1, host: "h", hots: "x" } };
    expect(firstIssue(schema.safeParse(input).error!, input, schema)).toEqual(["server.hots", "unknown key 'hots' (did you mean 'host'? allowed: port, host)"]);
    expect(firstIssue(schema.safeParse(input).error!, input)).toEqual(["server.hots", "unknown key 'hots'"]);
  });

  it("gives the value at the issue's path", () => {
    const input = { server: { port: 1, host: "h" }, list: [{ name: "a", size: 1 }, { name: "b", size: "big" }] };
    expect(firstIssue(schema.safeParse(input).error!, input, schema)).toEqual(["list[1].size", 'must be a number, got "big"']);
  });

  it("keysAt opens optionals, defaults, lists, records, unions, pipes and lazy schemas", () => {
    expect(keysAt(schema, [])).toEqual(["server", "list", "byName", "either", "piped", "later", "leaf"]);
    expect(keysAt(schema, ["server"])).toEqual(["port", "host"]);
    expect(keysAt(schema, ["list", 0])).toEqual(["name", "size"]);
    expect(keysAt(schema, ["byName", "any"])).toEqual(["weight"]);
    expect(keysAt(schema, ["either"])).toEqual(["a", "b"]);
    expect(keysAt(schema, ["piped"])).toEqual(["p"]);
    expect(keysAt(schema, ["later"])).toEqual(["l"]);
  });

  it("keysAt is empty where there is no object", () => {
    expect(keysAt(schema, ["leaf"])).toEqual([]);
    expect(keysAt(schema, ["nowhere"])).toEqual([]);
    expect(keysAt(schema, ["list", "name"])).toEqual([]);
    expect(keysAt(schema, ["server", 0])).toEqual([]);
  });
});

describe("resolveArgs", () => {
  const schema = z.strictObject({ size: int(1, 10).default(2), name: z.string().optional() });

  it("applies the defaults and passes over the keys of the wiring", () => {
    expect(resolveArgs("Thing", schema, { vpcId: pulumi.output("vpc-1"), name: "n" })).toStrictEqual({ size: 2, name: "n" });
    // Only the keys given reach the schema: an optional setting not given stays absent, not undefined.
    expect(Object.keys(resolveArgs("Thing", schema, { vpcId: "vpc-1" }))).toEqual(["size"]);
  });

  it("throws an ArgError naming the component and the first bad arg", () => {
    expect(() => resolveArgs("Thing", schema, { size: 11, vpcId: "vpc-1" })).toThrow(new ArgError("Thing", "size", "must be <= 10, got 11"));
  });

  it("checks input that is no object, and schemas that are no object, as they are", () => {
    expect(() => resolveArgs("Thing", schema, "text")).toThrow('Thing: : must be an object (a mapping of keys to values), got "text"');
    expect(() => resolveArgs("Thing", schema, null)).toThrow("Thing: : must be an object (a mapping of keys to values), got null");
    const listed = z.array(z.number());
    expect(resolveArgs("Thing", listed, [1, 2])).toEqual([1, 2]);
    expect(() => resolveArgs("Thing", listed, { a: 1 })).toThrow('Thing: : must be a list, got {"a":1}');
  });
});

describe("shared field types", () => {
  it("int: both bounds included, outside stops the parse before any other rule", () => {
    const n = int(1, 10);
    expect([1, 10].map((v) => words(n, v))).toEqual(["ok", "ok"]);
    expect(words(n, 0)).toBe("must be >= 1, got 0");
    expect(words(n, 11)).toBe("must be <= 10, got 11");
    expect(words(n, 2.5)).toBe("must be an integer, got 2.5");
    const checked = z.strictObject({ n: int(1, 10) }).refine(() => {
      throw new Error("a cross-field rule ran on a value out of range");
    });
    expect(words(checked, { n: 1e20 })).toBe("must be <= 10, got 100000000000000000000");
    expect(checked.safeParse({ n: 0 }).error?.issues).toHaveLength(1);
    expect(z.strictObject({ n: int(1, 10) }).safeParse({ n: 1e20 }).error?.issues).toHaveLength(1);
    // A rule chained on the field itself does not run on a value int refused either.
    const chained = int(1, 10).refine(() => {
      throw new Error("a rule ran on a value int refused");
    });
    expect([0, 11, 2.5].map((v) => words(chained, v))).toEqual(["must be >= 1, got 0", "must be <= 10, got 11", "must be an integer, got 2.5"]);
  });

  it("retentionDays: CloudWatch Logs' values only", () => {
    expect(words(retentionDays, 30)).toBe("ok");
    expect(words(retentionDays, 31)).toMatch(/^must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, .*, 3653, got 31$/);
  });

  it("arn: the service's ARN in any region and account, else words naming the service", () => {
    const acm = arn("acm", "certificate/[a-f0-9-]+");
    expect(words(acm, "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b-2c")).toBe("ok");
    expect(words(acm, "arn:aws:kms:eu-west-1:123456789012:certificate/0a1b")).toBe(
      'must be an acm ARN (arn:aws:acm:<region>:<account>:…), got "arn:aws:kms:eu-west-1:123456789012:certificate/0a1b"',
    );
    expect(words(arn("sns"), "arn:aws:sns:us-east-1:123456789012:alarms")).toBe("ok");
  });

  it("semver: MAJOR.MINOR.PATCH", () => {
    expect(words(semver, "1.2.3")).toBe("ok");
    expect(words(semver, "1.2")).toBe('must be a semantic version such as 1.2.3, got "1.2"');
  });

  it("iotName: 1 to 128 of AWS IoT's characters", () => {
    expect(["a", "A-b_c:9", "g".repeat(128)].map((v) => words(iotName, v))).toEqual(["ok", "ok", "ok"]);
    const problem = "must be 1-128 characters of a-z, A-Z, 0-9, ':', '_' or '-' (AWS IoT's rule)";
    expect(words(iotName, "")).toBe(`${problem}, got ""`);
    expect(words(iotName, "g".repeat(129))).toBe(`${problem}, got "${"g".repeat(129)}"`);
    expect(words(iotName, "bad name")).toBe(`${problem}, got "bad name"`);
  });

  it("s3Prefix: ends in '/', no wildcards", () => {
    expect(words(s3Prefix, "incoming/")).toBe("ok");
    expect(words(s3Prefix, "incoming")).toBe(`must be an S3 prefix ending in '/' (no wildcards), got "incoming"`);
    expect(words(s3Prefix, "in*/")).toBe(`must be an S3 prefix ending in '/' (no wildcards), got "in*/"`);
  });
});
