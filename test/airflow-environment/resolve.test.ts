// resolveAirflowEnvironmentArgs without mocks: the wiring rules, what the builders get (the environment's name, its
// wiring, the source files), and every error as an ArgError naming the arg, thrown before anything could be
// registered. Also the pure helpers the builders use: subnets, the bucket prefix and the source folder.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { ArgError } from "../../components/args";
import {
  collectAirflowSources,
  dagBucketPrefix,
  environmentSubnets,
  resolveAirflowEnvironmentArgs,
  type AirflowEnvironmentArgs,
} from "../../components/airflow-environment";
import { checkResolved } from "../../components/airflow-environment/resolve";
import type { AlarmThresholds } from "../../components/observability";
import { observabilitySettings } from "../../components/observability/args";

const stackArgs = { region: "eu-west-1", project: "edge-mlops", stack: "prod" };
const enabled: AirflowEnvironmentArgs = {
  ...stackArgs,
  enabled: true,
  vpcId: "vpc-1",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  dataBucketName: "data",
  dataBucketArn: "arn:aws:s3:::data",
  featureGroupName: "abalone",
  featureGroupArn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/abalone",
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:training",
};
const resolve = (extra: Partial<AirflowEnvironmentArgs>, name = "prod") => resolveAirflowEnvironmentArgs(name, { ...enabled, ...extra });
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms";
/** The stack config's default thresholds. */
const THRESHOLDS: AlarmThresholds = observabilitySettings.parse({}).alarms;

describe("wiring", () => {
  it("needs the network and the training workflow's resources only when enabled, naming the missing one", () => {
    for (const key of ["vpcId", "privateSubnetIds", "dataBucketName", "dataBucketArn", "featureGroupName", "featureGroupArn", "stateMachineArn"] as const) {
      expect(() => resolve({ [key]: undefined }), key).toThrow(`AirflowEnvironment: ${key}: is required when enabled is true`);
    }
    expect(resolve({ dataKmsKeyArn: undefined }).environment?.dataKmsKeyArn).toBeUndefined();
    const off = resolveAirflowEnvironmentArgs("dev", { ...stackArgs, enabled: false });
    expect(off.enabled).toBe(false);
    expect(off.environment).toBeUndefined();
  });

  it("hands an enabled environment's wiring to the builders as given", () => {
    const vpcId = pulumi.output("vpc-from-network");
    expect(resolve({ vpcId, dataKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/data" }).environment).toStrictEqual({
      vpcId,
      privateSubnetIds: ["subnet-a", "subnet-b"],
      dataBucketName: "data",
      dataBucketArn: "arn:aws:s3:::data",
      dataKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/data",
      featureGroupName: "abalone",
      featureGroupArn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/abalone",
      stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:training",
    });
  });

  it("checks plain subnets and a plain state machine ARN now, and leaves Outputs for when they resolve", () => {
    expect(() => resolve({ privateSubnetIds: ["subnet-a"] })).toThrow('AirflowEnvironment: privateSubnetIds: must hold at least 2 different private subnets in different availability zones, got ["subnet-a"]');
    expect(() => resolve({ stateMachineArn: "training" })).toThrow(
      "AirflowEnvironment: stateMachineArn: must be a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got 'training'",
    );
    expect(resolve({ privateSubnetIds: pulumi.output(["subnet-a"]), stateMachineArn: pulumi.output("training") }).enabled).toBe(true);
  });

  it("checks the plain wiring values like settings", () => {
    expect(() => resolve({ region: "Ireland" })).toThrow('AirflowEnvironment: region: must be an AWS region such as eu-west-1, got "Ireland"');
    expect(() => resolve({ region: undefined as unknown as string })).toThrow("AirflowEnvironment: region: is required (a string)");
    expect(() => resolve({ stack: "" })).toThrow("AirflowEnvironment: stack: must be at least 1 character(s) long, got 0");
    expect(resolve({}).protect).toBe(false);
    expect(resolve({ protect: true }).protect).toBe(true);
  });

  it("checks thresholds with the stack config's schema when monitoring is given, naming the arg", () => {
    expect(resolve({ monitoring: { alarmTopicArn: TOPIC, thresholds: THRESHOLDS } }).monitoring).toStrictEqual({ alarmTopicArn: TOPIC, thresholds: THRESHOLDS });
    expect(resolve({}).monitoring).toBeUndefined();
    expect(() => resolve({ monitoring: { alarmTopicArn: TOPIC, thresholds: { ...THRESHOLDS, airflowQueuedTasks: -1 } } })).toThrow(
      "AirflowEnvironment: monitoring.thresholds.airflowQueuedTasks: must be >= 0, got -1",
    );
  });

  it("throws ArgErrors whose parts name the component, the arg and the problem", () => {
    try {
      resolve({ vpcId: undefined });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ArgError);
      const { component, arg, problem } = e as ArgError;
      expect([component, arg, problem]).toEqual(["AirflowEnvironment", "vpcId", "is required when enabled is true"]);
    }
  });
});

describe("environmentName", () => {
  it("defaults to <project>-<stack>-<component name>, from the args, not from the Pulumi runtime", () => {
    expect(resolve({}).environmentName).toBe("edge-mlops-prod-prod");
    expect(resolve({ project: "platform", stack: "eu" }, "airflow").environmentName).toBe("platform-eu-airflow");
    expect(resolve({ environmentName: "edge-mlops-prod" }).environmentName).toBe("edge-mlops-prod");
  });

  it("refuses a default MWAA would refuse, and says to set environmentName", () => {
    expect(() => resolve({ stack: "prod.eu" })).toThrow(
      "AirflowEnvironment: environmentName: the default 'edge-mlops-prod.eu-prod' (<project>-<stack>-<component name>) is not an MWAA name (a letter, then up to 79 letters, digits, '-' or '_'); set environmentName",
    );
    expect(() => resolve({}, "x".repeat(70))).toThrow(`AirflowEnvironment: environmentName: the default 'edge-mlops-prod-${"x".repeat(70)}'`);
    expect(resolve({ stack: "prod.eu", environmentName: "edge-mlops-prod-eu" }).environmentName).toBe("edge-mlops-prod-eu");
  });
});

describe("environmentSubnets (privateSubnetIds known only at deployment time)", () => {
  it("uses the first two subnets, one per availability zone in the network's order", () => {
    expect(environmentSubnets(["subnet-a", "subnet-b", "subnet-c"])).toEqual(["subnet-a", "subnet-b"]);
  });

  it("rejects fewer than two different subnets, naming privateSubnetIds", () => {
    const problem = "AirflowEnvironment: privateSubnetIds: must hold at least 2 different private subnets in different availability zones, got";
    expect(() => environmentSubnets(["subnet-a"])).toThrow(`${problem} ["subnet-a"]`);
    expect(() => environmentSubnets([])).toThrow(`${problem} []`);
    expect(() => environmentSubnets(["subnet-a", "subnet-a"])).toThrow(`${problem} ["subnet-a","subnet-a"]`);
  });

  it("inside apply, turns the ArgError into a ResourceError with the same words", () => {
    const resource = new pulumi.ComponentResource("test:index:Holder", "holder", {}, {});
    let error: unknown;
    try {
      checkResolved(resource, () => environmentSubnets(["subnet-a"]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(pulumi.ResourceError);
    expect((error as Error).message).toBe('AirflowEnvironment: privateSubnetIds: must hold at least 2 different private subnets in different availability zones, got ["subnet-a"]');
    expect(checkResolved(resource, () => environmentSubnets(["subnet-a", "subnet-b"]))).toEqual(["subnet-a", "subnet-b"]);
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

describe("source folder", () => {
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
    expect(resolve({ sourceDir: tmp }).sources).toStrictEqual(s);
  });

  it("reads the repository's airflow/ folder by default, relative to the project directory", () => {
    const s = resolve({}).sources;
    expect(s.dags.map((f) => f.key)).toContain("dags/continuous_training.py");
    expect(s.dags.every((f) => f.path.startsWith(path.resolve("airflow", "dags")) && !f.key.endsWith(".pyc") && !f.key.includes("__pycache__"))).toBe(true);
    expect(s.requirements?.path).toBe(path.resolve("airflow", "requirements.txt"));
  });

  it("rejects a missing folder, or a dags that is a file, naming sourceDir", () => {
    const missing = path.join(tmp, "nope");
    expect(() => resolve({ sourceDir: missing })).toThrow(`AirflowEnvironment: sourceDir: must be a folder laid out like airflow/ (dags/, requirements.txt), got '${missing}' (${missing})`);
    const flat = fs.mkdtempSync(path.join(tmp, "flat-"));
    fs.writeFileSync(path.join(flat, "dags"), "not a folder");
    expect(() => collectAirflowSources(flat)).toThrow(`AirflowEnvironment: sourceDir: must hold dags/ as a folder, got a file at '${path.join(flat, "dags")}'`);
  });
});
