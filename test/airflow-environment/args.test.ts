// The Airflow environment's settings schema on its own, without mocks: every default (the class-dependent ones too),
// every range at its edges, every cross-field rule, and each decision taken where the component and the old stack
// config disagreed.
import { describe, expect, it } from "vitest";
import { ArgError, firstIssue, resolveArgs } from "../../components/args";
import { airflowSettings, classDefaults, type AirflowSettingsInput } from "../../components/airflow-environment/args";
import { AIRFLOW_LOG_LEVELS, classLimits, MWAA_AIRFLOW_VERSIONS, MWAA_ENVIRONMENT_CLASSES } from "../../components/airflow-environment/mwaa";

/** The message, optionally followed by the value refused (`, got …`), as components/args.ts words it. */
const said = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(, got .+)?$`);

const parse = (input: AirflowSettingsInput) => resolveArgs("AirflowEnvironment", airflowSettings, input);
const KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b7f1c2e-1111-4222-8333-444455556666";
const MICRO = "(one combined worker and scheduler, no autoscaling)";

describe("defaults", () => {
  it("are the documented ones: off, 2.10.3, mw1.small, 1 to 2 workers, 2 schedulers, private web server, airflow/", () => {
    expect(parse({})).toStrictEqual({
      enabled: false,
      airflowVersion: "2.10.3",
      environmentClass: "mw1.small",
      minWorkers: 1,
      maxWorkers: 2,
      schedulers: 2,
      webserverAccessMode: "PRIVATE_ONLY",
      logLevels: { dagProcessing: "WARNING", scheduler: "WARNING", task: "INFO", webserver: "WARNING", worker: "WARNING" },
      defaultTaskRetries: 2,
      weeklyMaintenanceWindowStart: "SUN:03:00",
      newDataPrefix: "incoming/",
      archivePrefix: "archive/",
      sourceDir: "airflow",
    });
  });

  it("follow the class for maxWorkers and schedulers: 1 and 1 on mw1.micro, 2 and 2 on every other class", () => {
    for (const environmentClass of MWAA_ENVIRONMENT_CLASSES) {
      const expected = environmentClass === "mw1.micro" ? { maxWorkers: 1, schedulers: 1 } : { maxWorkers: 2, schedulers: 2 };
      expect(classDefaults(environmentClass), environmentClass).toEqual(expected);
      expect(parse({ environmentClass }), environmentClass).toMatchObject({ minWorkers: 1, ...expected });
    }
  });

  it("keep given log levels and fill the others", () => {
    expect(parse({ logLevels: { task: "DEBUG", worker: "ERROR" } }).logLevels).toEqual({
      dagProcessing: "WARNING",
      scheduler: "WARNING",
      task: "DEBUG",
      webserver: "WARNING",
      worker: "ERROR",
    });
  });

  it("resolve to values the schema accepts again unchanged (the stack config hands its output to the component)", () => {
    const inputs: AirflowSettingsInput[] = [{}, { environmentClass: "mw1.micro" }, { environmentClass: "mw1.large", minWorkers: 3, maxWorkers: 25, schedulers: 5, kmsKeyArn: KMS_KEY }];
    for (const input of inputs) {
      const once = parse(input);
      expect(parse(once)).toStrictEqual(once);
    }
  });

  it("reject a key the schema does not know, naming it", () => {
    const input = { workers: 3 };
    const result = airflowSettings.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error && firstIssue(result.error, input)).toEqual(["workers", "unknown key 'workers'"]);
  });
});

describe("ranges, each at min-1, min, max and max+1", () => {
  // Each case: the arg, its range, the input that sets it (with what lets both ends pass the other rules), and the
  // problem at min-1 and at max+1.
  const cases: [arg: string, min: number, max: number, input: (v: number) => AirflowSettingsInput, belowMin: string, aboveMax: string][] = [
    ["minWorkers", 1, 25, (v) => ({ minWorkers: v, maxWorkers: 25 }), "must be >= 1, got 0", "must be <= 25, got 26"],
    ["maxWorkers", 1, 25, (v) => ({ maxWorkers: v }), "must be >= 1, got 0", "must be <= 25, got 26"],
    ["schedulers", 2, 5, (v) => ({ schedulers: v }), "must be 2 to 5 for mw1.small, got 1", "must be <= 5, got 6"],
    ["schedulers", 2, 5, (v) => ({ environmentClass: "mw1.2xlarge", schedulers: v }), "must be 2 to 5 for mw1.2xlarge, got 1", "must be <= 5, got 6"],
    ["maxWorkers", 1, 1, (v) => ({ environmentClass: "mw1.micro", maxWorkers: v }), "must be >= 1, got 0", `must be 1 for mw1.micro ${MICRO}, got 2`],
    ["schedulers", 1, 1, (v) => ({ environmentClass: "mw1.micro", schedulers: v }), "must be >= 1, got 0", `must be 1 for mw1.micro ${MICRO}, got 2`],
    ["defaultTaskRetries", 0, 10, (v) => ({ defaultTaskRetries: v }), "must be >= 0, got -1", "must be <= 10, got 11"],
  ];

  it.each(cases)("%s from %i to %i (%#)", (arg, min, max, input, belowMin, aboveMax) => {
    expect((parse(input(min)) as Record<string, unknown>)[arg]).toBe(min);
    expect((parse(input(max)) as Record<string, unknown>)[arg]).toBe(max);
    expect(() => parse(input(min - 1))).toThrow(`AirflowEnvironment: ${arg}: ${belowMin}`);
    expect(() => parse(input(max + 1))).toThrow(`AirflowEnvironment: ${arg}: ${aboveMax}`);
  });

  it("the class limits are MWAA's: 1-25 workers and 2-5 schedulers, exactly 1 and 1 on mw1.micro", () => {
    expect(classLimits("mw1.micro")).toEqual({ workers: { min: 1, max: 1 }, schedulers: { min: 1, max: 1 } });
    for (const c of MWAA_ENVIRONMENT_CLASSES.filter((c) => c !== "mw1.micro")) {
      expect(classLimits(c), c).toEqual({ workers: { min: 1, max: 25 }, schedulers: { min: 2, max: 5 } });
    }
  });

  it("whole numbers only, as ArgErrors", () => {
    expect(() => parse({ minWorkers: 1.5 })).toThrow(ArgError);
    expect(() => parse({ minWorkers: 1.5 })).toThrow("AirflowEnvironment: minWorkers: must be an integer, got 1.5");
    expect(() => parse({ schedulers: 2.5 })).toThrow("AirflowEnvironment: schedulers: must be an integer, got 2.5");
  });

  it("environmentName: a letter, then up to 79 letters, digits, '-' or '_' (MWAA's rule)", () => {
    const rule = "must start with a letter and hold 1-80 letters, digits, '-' or '_' (MWAA's rule)";
    expect(parse({ environmentName: "a" }).environmentName).toBe("a");
    expect(parse({ environmentName: `a${"_-9".repeat(26)}b` }).environmentName).toHaveLength(80);
    expect(() => parse({ environmentName: `a${"x".repeat(80)}` })).toThrow(said(`AirflowEnvironment: environmentName: ${rule}`));
    expect(() => parse({ environmentName: "" })).toThrow(`AirflowEnvironment: environmentName: ${rule}`);
    expect(() => parse({ environmentName: "1-airflow" })).toThrow(`AirflowEnvironment: environmentName: ${rule}, got "1-airflow"`);
    expect(() => parse({ environmentName: "edge.mlops" })).toThrow(`AirflowEnvironment: environmentName: ${rule}, got "edge.mlops"`);
  });
});

describe("cross-field rules", () => {
  it("minWorkers at most maxWorkers", () => {
    expect(parse({ minWorkers: 4, maxWorkers: 4 })).toMatchObject({ minWorkers: 4, maxWorkers: 4 });
    expect(() => parse({ minWorkers: 3, maxWorkers: 2 })).toThrow("AirflowEnvironment: minWorkers: must be <= maxWorkers (2), got 3");
    expect(() => parse({ minWorkers: 3 })).toThrow("AirflowEnvironment: minWorkers: must be <= maxWorkers (2), got 3");
  });

  it("mw1.micro runs exactly one worker and one scheduler, whichever is set", () => {
    expect(() => parse({ environmentClass: "mw1.micro", minWorkers: 2 })).toThrow(`AirflowEnvironment: minWorkers: must be 1 for mw1.micro ${MICRO}, got 2`);
    expect(() => parse({ environmentClass: "mw1.micro", minWorkers: 2, maxWorkers: 2 })).toThrow(`AirflowEnvironment: minWorkers: must be 1 for mw1.micro ${MICRO}, got 2`);
    expect(parse({ environmentClass: "mw1.micro", minWorkers: 1, maxWorkers: 1, schedulers: 1 })).toMatchObject({ minWorkers: 1, maxWorkers: 1, schedulers: 1 });
  });

  it("classes above mw1.micro need 2 to 5 schedulers", () => {
    for (const environmentClass of MWAA_ENVIRONMENT_CLASSES.filter((c) => c !== "mw1.micro")) {
      expect(() => parse({ environmentClass, schedulers: 1 })).toThrow(`AirflowEnvironment: schedulers: must be 2 to 5 for ${environmentClass}, got 1`);
    }
  });

  it("neither data prefix contains the other: archived files would be ingested again", () => {
    const problem = "must not contain or lie inside newDataPrefix ('data/'): archived files would be ingested again";
    expect(() => parse({ newDataPrefix: "data/", archivePrefix: "data/archive/" })).toThrow(`AirflowEnvironment: archivePrefix: ${problem}, got "data/archive/"`);
    expect(() => parse({ newDataPrefix: "data/", archivePrefix: "data/" })).toThrow(said(`AirflowEnvironment: archivePrefix: ${problem}`));
    expect(() => parse({ newDataPrefix: "data/incoming/", archivePrefix: "data/" })).toThrow(
      "AirflowEnvironment: archivePrefix: must not contain or lie inside newDataPrefix ('data/incoming/'): archived files would be ingested again",
    );
    expect(parse({ newDataPrefix: "data/incoming/", archivePrefix: "data/archive/" })).toMatchObject({ newDataPrefix: "data/incoming/", archivePrefix: "data/archive/" });
  });
});

describe("drift decisions", () => {
  it("mw1.micro without maxWorkers or schedulers resolves to its only shape (the old stack config refused it)", () => {
    expect(parse({ environmentClass: "mw1.micro" })).toMatchObject({ minWorkers: 1, maxWorkers: 1, schedulers: 1 });
  });

  it("kmsKeyArn takes a key ARN only, not an alias ARN (the old stack config took any KMS ARN)", () => {
    expect(parse({ kmsKeyArn: KMS_KEY }).kmsKeyArn).toBe(KMS_KEY);
    const alias = "arn:aws:kms:eu-west-1:123456789012:alias/mwaa";
    expect(() => parse({ kmsKeyArn: alias })).toThrow(`AirflowEnvironment: kmsKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got "${alias}"`);
    expect(() => parse({ kmsKeyArn: "alias/mwaa" })).toThrow("AirflowEnvironment: kmsKeyArn: must be a KMS key ARN");
  });

  it("a data prefix may not start with '/' (the old stack config allowed it, the component did not)", () => {
    expect(() => parse({ newDataPrefix: "/incoming/" })).toThrow('AirflowEnvironment: newDataPrefix: must not start with \'/\', got "/incoming/"');
    expect(() => parse({ archivePrefix: "/archive/" })).toThrow('AirflowEnvironment: archivePrefix: must not start with \'/\', got "/archive/"');
  });

  it("environmentName and sourceDir are settings now, so a stack file may set them", () => {
    expect(parse({ environmentName: "edge-mlops-prod", sourceDir: "build/airflow" })).toMatchObject({ environmentName: "edge-mlops-prod", sourceDir: "build/airflow" });
    expect(() => parse({ sourceDir: "" })).toThrow("AirflowEnvironment: sourceDir: must be at least 1 character(s) long, got 0");
  });
});

describe("choices", () => {
  it("versions, classes, access modes and log levels: only what MWAA offers", () => {
    for (const airflowVersion of MWAA_AIRFLOW_VERSIONS) expect(parse({ airflowVersion }).airflowVersion).toBe(airflowVersion);
    for (const level of AIRFLOW_LOG_LEVELS) expect(parse({ logLevels: { scheduler: level } }).logLevels.scheduler).toBe(level);
    expect(() => parse({ airflowVersion: "2.6.3" as "2.10.3" })).toThrow('AirflowEnvironment: airflowVersion: must be one of "2.8.1", "2.9.2", "2.10.1", "2.10.3", got "2.6.3"');
    expect(() => parse({ environmentClass: "mw1.huge" as "mw1.small" })).toThrow('AirflowEnvironment: environmentClass: must be one of "mw1.micro", "mw1.small"');
    expect(() => parse({ webserverAccessMode: "PUBLIC_AND_PRIVATE" as "PUBLIC_ONLY" })).toThrow(
      'AirflowEnvironment: webserverAccessMode: must be one of "PRIVATE_ONLY", "PUBLIC_ONLY", got "PUBLIC_AND_PRIVATE"',
    );
    expect(() => parse({ logLevels: { task: "TRACE" as "INFO" } })).toThrow('AirflowEnvironment: logLevels.task: must be one of "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", got "TRACE"');
    expect(() => parse({ logLevels: { tasks: "INFO" } as AirflowSettingsInput["logLevels"] })).toThrow("AirflowEnvironment: logLevels.tasks: unknown key 'tasks'");
  });

  it("the maintenance window starts on a half hour, DDD:HH:MM", () => {
    expect(parse({ weeklyMaintenanceWindowStart: "SAT:23:30" }).weeklyMaintenanceWindowStart).toBe("SAT:23:30");
    for (const bad of ["SUN:03:15", "SUN:24:00", "sun:03:00", "SUNDAY:03:00"]) {
      expect(() => parse({ weeklyMaintenanceWindowStart: bad })).toThrow(`AirflowEnvironment: weeklyMaintenanceWindowStart: must be DDD:HH:MM on a half hour, e.g. SUN:03:00, got "${bad}"`);
    }
  });

  it("data prefixes end in '/' and hold no wildcard", () => {
    expect(() => parse({ newDataPrefix: "incoming" })).toThrow("AirflowEnvironment: newDataPrefix: must be an S3 prefix ending in '/' (no wildcards)");
    expect(() => parse({ archivePrefix: "arch*/" })).toThrow("AirflowEnvironment: archivePrefix: must be an S3 prefix ending in '/' (no wildcards)");
  });
});
