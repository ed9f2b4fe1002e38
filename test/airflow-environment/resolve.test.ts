import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  collectAirflowSources,
  dagBucketPrefix,
  DEFAULT_SOURCE_DIR,
  environmentSubnets,
  resolveAirflowEnvironmentArgs,
  type AirflowEnvironmentArgs,
} from "../../components/airflow-environment";

const enabled: AirflowEnvironmentArgs = {
  region: "eu-west-1",
  enabled: true,
  vpcId: "vpc-1",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  dataBucketName: "data",
  dataBucketArn: "arn:aws:s3:::data",
  featureGroupName: "abalone",
  featureGroupArn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/abalone",
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:training",
};

describe("resolveAirflowEnvironmentArgs", () => {
  it("applies the stack config's defaults: off, 2.10.3, mw1.small, 1-2 workers, 2 schedulers, private web server", () => {
    expect(resolveAirflowEnvironmentArgs({ region: "eu-west-1" })).toEqual({
      enabled: false,
      environmentName: undefined,
      airflowVersion: "2.10.3",
      environmentClass: "mw1.small",
      minWorkers: 1,
      maxWorkers: 2,
      schedulers: 2,
      webserverAccessMode: "PRIVATE_ONLY",
      logLevels: { dagProcessing: "WARNING", scheduler: "WARNING", task: "INFO", webserver: "WARNING", worker: "WARNING" },
      defaultTaskRetries: 2,
      kmsKeyArn: undefined,
      weeklyMaintenanceWindowStart: "SUN:03:00",
      newDataPrefix: "incoming/",
      archivePrefix: "archive/",
      protect: false,
      sourceDir: DEFAULT_SOURCE_DIR,
    });
  });

  it("defaults mw1.micro to its only shape: 1 worker, 1 scheduler", () => {
    expect(resolveAirflowEnvironmentArgs({ region: "eu-west-1", environmentClass: "mw1.micro" })).toMatchObject({ minWorkers: 1, maxWorkers: 1, schedulers: 1 });
  });

  it("keeps given log levels and fills the others", () => {
    expect(resolveAirflowEnvironmentArgs({ region: "eu-west-1", logLevels: { task: "DEBUG", worker: "ERROR" } }).logLevels).toEqual({
      dagProcessing: "WARNING",
      scheduler: "WARNING",
      task: "DEBUG",
      webserver: "WARNING",
      worker: "ERROR",
    });
  });

  const rejects: [string, Partial<AirflowEnvironmentArgs>, RegExp][] = [
    ["min workers above max", { minWorkers: 3, maxWorkers: 2 }, /minWorkers \(3\) must be <= maxWorkers \(2\)/],
    ["workers out of range", { maxWorkers: 26 }, /maxWorkers must be an integer from 1 to 25, got 26/],
    ["fractional workers", { minWorkers: 1.5 }, /minWorkers must be an integer from 1 to 25, got 1.5/],
    ["an Airflow version MWAA does not offer", { airflowVersion: "2.6.3" as "2.10.3" }, /airflowVersion '2.6.3' is not offered by MWAA; use one of 2.8.1, 2.9.2, 2.10.1, 2.10.3/],
    ["an unknown environment class", { environmentClass: "mw1.huge" as "mw1.small" }, /environmentClass 'mw1.huge' is not one of mw1.micro, mw1.small/],
    ["one scheduler on mw1.small", { schedulers: 1 }, /schedulers must be an integer from 2 to 5 for mw1.small, got 1/],
    ["two schedulers on mw1.micro", { environmentClass: "mw1.micro", schedulers: 2 }, /schedulers must be an integer from 1 to 1 for mw1.micro, got 2/],
    ["two workers on mw1.micro", { environmentClass: "mw1.micro", maxWorkers: 2 }, /maxWorkers must be an integer from 1 to 1 for mw1.micro, got 2/],
    ["a log level outside the allowed set", { logLevels: { task: "TRACE" as "INFO" } }, /logLevels.task 'TRACE' is not one of CRITICAL, ERROR, WARNING, INFO, DEBUG/],
    ["an unknown log type", { logLevels: { tasks: "INFO" } as AirflowEnvironmentArgs["logLevels"] }, /logLevels.tasks is not a log type/],
    ["an unknown access mode", { webserverAccessMode: "PUBLIC_AND_PRIVATE" as "PUBLIC_ONLY" }, /webserverAccessMode 'PUBLIC_AND_PRIVATE' must be PRIVATE_ONLY or PUBLIC_ONLY/],
    ["too many retries", { defaultTaskRetries: 11 }, /defaultTaskRetries must be an integer from 0 to 10, got 11/],
    ["a KMS alias instead of a key ARN", { kmsKeyArn: "alias/mwaa" }, /kmsKeyArn 'alias\/mwaa' must be a KMS key ARN/],
    ["a maintenance window off the half hour", { weeklyMaintenanceWindowStart: "SUN:03:15" }, /weeklyMaintenanceWindowStart 'SUN:03:15' must be DDD:HH:MM/],
    ["a prefix without a trailing slash", { newDataPrefix: "incoming" }, /newDataPrefix 'incoming' must be an S3 prefix ending in '\/'/],
    ["a prefix with a wildcard", { archivePrefix: "arch*/" }, /archivePrefix 'arch\*\/' must be an S3 prefix/],
    ["an archive inside the new-data prefix", { newDataPrefix: "data/", archivePrefix: "data/archive/" }, /archivePrefix 'data\/archive\/' and newDataPrefix 'data\/' must not contain each other/],
    ["an environment name MWAA rejects", { environmentName: "1-airflow" }, /environmentName '1-airflow' must start with a letter/],
    ["a bad region", { region: "europe" }, /region 'europe' is not an AWS region name/],
    ["one private subnet", { privateSubnetIds: ["subnet-a"] }, /privateSubnetIds must hold at least 2 private subnets in different availability zones, got 1/],
  ];
  it.each(rejects)("rejects %s, naming the arg", (_, override, message) => {
    expect(() => resolveAirflowEnvironmentArgs({ ...enabled, ...override })).toThrow(message);
  });

  it("requires the network and the training workflow's ARNs only when enabled", () => {
    for (const key of ["vpcId", "privateSubnetIds", "dataBucketName", "dataBucketArn", "featureGroupName", "featureGroupArn", "stateMachineArn"] as const) {
      expect(() => resolveAirflowEnvironmentArgs({ ...enabled, [key]: undefined })).toThrow(`AirflowEnvironment: ${key} is required when enabled is true`);
    }
    expect(resolveAirflowEnvironmentArgs({ region: "eu-west-1", enabled: false }).enabled).toBe(false);
  });
});

describe("environmentSubnets (privateSubnetIds known only at deployment time)", () => {
  it("uses the first two subnets, one per availability zone in the network's order", () => {
    expect(environmentSubnets(["subnet-a", "subnet-b", "subnet-c"])).toEqual(["subnet-a", "subnet-b"]);
  });
  it("rejects fewer than two different subnets, naming privateSubnetIds", () => {
    expect(() => environmentSubnets(["subnet-a"])).toThrow('AirflowEnvironment: privateSubnetIds must hold at least 2 different private subnets in different availability zones, got ["subnet-a"]');
    expect(() => environmentSubnets([])).toThrow(/privateSubnetIds .* got \[\]/);
    expect(() => environmentSubnets(["subnet-a", "subnet-a"])).toThrow(/privateSubnetIds must hold at least 2 different/);
  });
});

describe("dagBucketPrefix", () => {
  it("starts with airflow-, is lowercase S3 characters, and fits S3's 37-character prefix limit", () => {
    expect(dagBucketPrefix("airflow")).toBe("airflow-airflow-");
    expect(dagBucketPrefix("Prod_MWAA")).toBe("airflow-prod-mwaa-");
    const long = dagBucketPrefix("a-very-long-component-name-that-goes-on-and-on");
    expect(long).toBe("airflow-a-very-long-component-name-t-");
    expect(long).toHaveLength(37);
    expect(dagBucketPrefix("___")).toBe("airflow-dags-");
  });
});

describe("collectAirflowSources", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-sources-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), content);
  };
  const sha = (content: string) => createHash("sha256").update(content).digest("hex");

  it("lists dags/** recursively as dags/<relative>, skipping byte code, plus the optional files present", () => {
    write("dags/b.py", "b = 1\n");
    write("dags/a.py", "a = 1\n");
    write("dags/lib/helpers.py", "h = 1\n");
    write("dags/.airflowignore", "lib/\n");
    write("dags/__pycache__/a.cpython-312.pyc", "x");
    write("dags/lib/old.pyc", "x");
    write("requirements.txt", "apache-airflow-providers-amazon\n");
    write("startup.sh", "#!/bin/sh\n");
    const s = collectAirflowSources(tmp);
    expect(s.dags.map((f) => f.key)).toEqual(["dags/.airflowignore", "dags/a.py", "dags/b.py", "dags/lib/helpers.py"]);
    expect(s.dags[1]).toEqual({ key: "dags/a.py", path: path.join(tmp, "dags/a.py"), sha256: sha("a = 1\n") });
    expect(s.requirements).toEqual({ key: "requirements.txt", path: path.join(tmp, "requirements.txt"), sha256: sha("apache-airflow-providers-amazon\n") });
    expect(s.startupScript?.key).toBe("startup.sh");
    expect(s.plugins).toBeUndefined();
  });

  it("reads the repository's airflow/ folder by default", () => {
    const s = collectAirflowSources(DEFAULT_SOURCE_DIR);
    expect(s.dags.map((f) => f.key)).toContain("dags/continuous_training.py");
    expect(s.dags.every((f) => f.key.startsWith("dags/") && !f.key.endsWith(".pyc") && !f.key.includes("__pycache__"))).toBe(true);
    expect(s.requirements?.key).toBe("requirements.txt");
  });

  it("rejects a missing source folder, naming the arg", () => {
    expect(() => collectAirflowSources(path.join(tmp, "nope"))).toThrow(/sourceDir '.*nope' is not a folder/);
  });
});
