// The training workflow's args schema and its resolution, without mocks: every default, each range at its edges
// (min-1, min, max, max+1), the existing-or-settings rule of the data bucket, the wiring checks, and the decisions
// taken where the component and the old stack config disagreed.
import { describe, expect, it } from "vitest";
import { ArgError } from "../../components/args";
import { ConfigError, parseStackSettings } from "../../components/config";
import type { AlarmThresholds } from "../../components/observability/contract";
import {
  resolveTrainingWorkflowArgs,
  trainingSettings,
  type TrainingWorkflowArgs,
} from "../../components/training-workflow/args";

const REGION = "eu-west-1";
const IMAGE = `123456789012.dkr.ecr.${REGION}.amazonaws.com/edge-mlops-dev-forecast:3f2a9c1d7e6b`;
const KMS = `arn:aws:kms:${REGION}:123456789012:key/0b7f1c2e-1111-4222-8333-444455556666`;
const BASE: TrainingWorkflowArgs = { stack: "dev", region: REGION, inferenceImageUri: IMAGE, protect: false };
const resolve = (patch: Partial<TrainingWorkflowArgs>) => resolveTrainingWorkflowArgs({ ...BASE, ...patch });

/** The ArgError a patch raises (fails the test when none is raised). */
function argErrorOf(patch: Partial<TrainingWorkflowArgs>): ArgError {
  try {
    resolve(patch);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgError);
    return e as ArgError;
  }
  throw new Error(`expected an ArgError for ${JSON.stringify(patch)}`);
}

describe("resolveTrainingWorkflowArgs", () => {
  it("applies every default of the schema and derives the names from the stack", () => {
    expect(resolve({})).toEqual({
      stack: "dev",
      region: REGION,
      protect: false,
      pipelineName: "edge-mlops-dev",
      bucketPrefix: "edge-mlops-dev-data-",
      featureGroupName: "edge-mlops-dev-abalone",
      modelPackageGroupName: "edge-mlops-dev-abalone",
      stateMachineName: "edge-mlops-dev-training",
      dataBucket: { noncurrentVersionDays: 30 },
      onlineStore: false,
      processingInstanceType: "ml.m5.large",
      trainingInstanceType: "ml.m5.large",
      maxRuntimeSeconds: 3600,
      sklearnVersion: "1.2-1",
      qualityThresholdRmse: 2.5,
      modelApproval: "PendingManualApproval",
      schedule: { enabled: false, expression: "rate(7 days)" },
      retrainOnDrift: { enabled: true, coolDownHours: 24 },
      logRetentionDays: 30,
      includeExecutionData: false,
      monitoring: undefined,
      driftAlarmPrefix: undefined,
    });
  });

  it("lowercases the stack into the default pipeline name and keeps bucket prefixes within S3's 37 characters", () => {
    expect(resolve({ stack: "Staging" }).pipelineName).toBe("edge-mlops-staging");
    const long = resolve({ pipelineName: `${"a".repeat(30)}-b` });
    expect(long.bucketPrefix).toBe(`${"a".repeat(30)}-data-`);
    expect(resolve({ pipelineName: "x".repeat(32) }).bucketPrefix).toHaveLength(37);
    // A cut that ends in a run of hyphens loses all of them, so the bucket name never reads `--data-`.
    expect(resolve({ pipelineName: `${"a".repeat(29)}--b` }).bucketPrefix).toBe(`${"a".repeat(29)}-data-`);
  });

  it("driftAlarmPrefix: 1 to 240 printable ASCII characters, kept as given", () => {
    for (const prefix of ["edge-mlops-dev-drift-", "x", "p".repeat(240), "Drift alarms: [dev] ~"]) expect(resolve({ driftAlarmPrefix: prefix }).driftAlarmPrefix).toBe(prefix);
    for (const prefix of ["p".repeat(241), "drift-é", "é-drift", "drift\n"]) {
      expect(argErrorOf({ driftAlarmPrefix: prefix }).message).toBe(
        `TrainingWorkflow: driftAlarmPrefix: must be 1-240 printable ASCII characters (CloudWatch alarm names are at most 255), got ${JSON.stringify(prefix)}`,
      );
    }
  });

  it("passes the settings given through, the KMS key among them", () => {
    const s = resolve({ pipelineName: "abalone-ml", kmsKeyArn: KMS, onlineStore: true, schedule: { enabled: true, expression: "cron(0 3 * * ? *)" } });
    expect(s).toMatchObject({ pipelineName: "abalone-ml", stateMachineName: "abalone-ml-training", kmsKeyArn: KMS, onlineStore: true });
    expect(s.schedule).toEqual({ enabled: true, expression: "cron(0 3 * * ? *)" });
  });

  it.each<[string, Partial<TrainingWorkflowArgs>, string]>([
    ["driftAlarmPrefix", { driftAlarmPrefix: "" }, `TrainingWorkflow: driftAlarmPrefix: must be 1-240 printable ASCII characters (CloudWatch alarm names are at most 255), got ""`],
    ["stack", { stack: "dev/eu" }, `TrainingWorkflow: stack: must be 1-100 letters, digits, '-', '_' or '.', got "dev/eu"`],
    ["region", { region: "Europe" }, `TrainingWorkflow: region: must be an AWS region name such as eu-west-1, got "Europe"`],
    ["pipelineName", { pipelineName: "Edge-MLOps" }, "TrainingWorkflow: pipelineName: must be 1-32 lowercase letters, digits and hyphens, starting and ending with a letter or digit"],
    ["pipelineName", { pipelineName: "x".repeat(33) }, "TrainingWorkflow: pipelineName: must be 1-32 lowercase"],
    ["pipelineName", { stack: "my_stack" }, "TrainingWorkflow: pipelineName: the default 'edge-mlops-<stack>' is 'edge-mlops-my_stack', which must be 1-32"],
    ["dataBucket.existing.bucketName", { dataBucket: { existing: { bucketName: "Bad_Bucket" } } }, "TrainingWorkflow: dataBucket.existing.bucketName: must be a valid S3 bucket name"],
    ["dataBucket.existing.bucketName", { dataBucket: { existing: { bucketName: "acme..data" } } }, "must not contain two adjacent periods (S3's bucket naming rules)"],
    ["processingInstanceType", { processingInstanceType: "m5.large" }, "TrainingWorkflow: processingInstanceType: must be a SageMaker instance type such as ml.m5.large"],
    ["trainingInstanceType", { trainingInstanceType: "ml.m5" }, "TrainingWorkflow: trainingInstanceType: must be a SageMaker instance type"],
    ["sklearnVersion", { sklearnVersion: "0.23-1" as "1.2-1" }, `TrainingWorkflow: sklearnVersion: must be one of "1.0-1", "1.2-1", got "0.23-1"`],
    ["modelApproval", { modelApproval: "Rejected" as "Approved" }, `TrainingWorkflow: modelApproval: must be one of "Approved", "PendingManualApproval", got "Rejected"`],
    ["schedule.expression", { schedule: { enabled: true, expression: "every day" } }, "TrainingWorkflow: schedule.expression: must be rate(...) or cron(...)"],
    ["logRetentionDays", { logRetentionDays: 10 }, "TrainingWorkflow: logRetentionDays: must be one of CloudWatch Logs' retention values"],
    ["kmsKeyArn", { kmsKeyArn: "alias/data" }, "TrainingWorkflow: kmsKeyArn: must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"],
    ["kmsKeyArn", { kmsKeyArn: `arn:aws:kms:${REGION}:123456789012:alias/data` }, "TrainingWorkflow: kmsKeyArn: must be a KMS key ARN"],
    ["qualityThresholdRmse", { qualityThresholdRmse: Number.NaN }, "TrainingWorkflow: qualityThresholdRmse:"],
    ["onlineStore", { onlineStore: "yes" as unknown as boolean }, `TrainingWorkflow: onlineStore: must be a boolean, got "yes"`],
  ])("rejects a bad %s with one line naming it", (arg, patch, message) => {
    const e = argErrorOf(patch);
    expect(e.arg).toBe(arg);
    expect(e.message).toContain(message);
    expect(e.message).not.toContain("\n");
  });

  it("rejects an unknown setting, naming it", () => {
    expect(argErrorOf({ dataBucket: { existingBucketName: "acme-ml-data" } as never }).message).toBe("TrainingWorkflow: dataBucket.existingBucketName: unknown key 'existingBucketName' (did you mean 'existing'? allowed: existing, noncurrentVersionDays)");
  });

  it("checks monitoring thresholds with the observability contract", () => {
    const thresholds: AlarmThresholds = { evaluationPeriods: 0, periodSeconds: 300, alb5xxPercent: 5, p99LatencyMs: 500, cpuPercent: 80, memoryPercent: 80, lambdaErrors: 0, airflowQueuedTasks: 20, driftCriticalZ: 4, driftMinEffectSize: 0.2 };
    expect(() => resolve({ monitoring: { alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alarms", thresholds } })).toThrow(
      "TrainingWorkflow: monitoring.thresholds.evaluationPeriods: must be >= 1, got 0",
    );
  });
});

describe("ranges at their edges", () => {
  // [path, min, max, set] — min-1 and max+1 fail naming the path, min and max pass.
  const cases: [string, number, number, (v: number) => Partial<TrainingWorkflowArgs>, (s: ReturnType<typeof resolve>) => unknown][] = [
    ["dataBucket.noncurrentVersionDays", 1, 3650, (v) => ({ dataBucket: { noncurrentVersionDays: v } }), (s) => ("noncurrentVersionDays" in s.dataBucket ? s.dataBucket.noncurrentVersionDays : undefined)],
    ["maxRuntimeSeconds", 60, 432000, (v) => ({ maxRuntimeSeconds: v }), (s) => s.maxRuntimeSeconds],
    ["lambdaReservedConcurrency", 1, 100, (v) => ({ lambdaReservedConcurrency: v }), (s) => s.lambdaReservedConcurrency],
  ];
  it.each(cases)("%s: %d to %d", (path, min, max, set, read) => {
    expect(read(resolve(set(min)))).toBe(min);
    expect(read(resolve(set(max)))).toBe(max);
    expect(argErrorOf(set(min - 1)).message).toBe(`TrainingWorkflow: ${path}: must be >= ${min}, got ${min - 1}`);
    expect(argErrorOf(set(max + 1)).message).toBe(`TrainingWorkflow: ${path}: must be <= ${max}, got ${max + 1}`);
    expect(argErrorOf(set(min + 0.5)).message).toBe(`TrainingWorkflow: ${path}: must be an integer, got ${min + 0.5}`);
  });

  it("qualityThresholdRmse: (0, 100]", () => {
    expect(resolve({ qualityThresholdRmse: 0.001 }).qualityThresholdRmse).toBe(0.001);
    expect(resolve({ qualityThresholdRmse: 100 }).qualityThresholdRmse).toBe(100);
    expect(argErrorOf({ qualityThresholdRmse: 0 }).message).toBe("TrainingWorkflow: qualityThresholdRmse: must be > 0, got 0");
    expect(argErrorOf({ qualityThresholdRmse: 100.5 }).message).toBe("TrainingWorkflow: qualityThresholdRmse: must be <= 100, got 100.5");
  });

  it("pipelineName: 1 to 32 characters", () => {
    expect(resolve({ pipelineName: "a" }).pipelineName).toBe("a");
    expect(resolve({ pipelineName: "a".repeat(32) }).pipelineName).toBe("a".repeat(32));
    expect(argErrorOf({ pipelineName: "" }).arg).toBe("pipelineName");
    expect(argErrorOf({ pipelineName: "a".repeat(33) }).arg).toBe("pipelineName");
  });

  it("dataBucket.existing.bucketName: 3 to 63 characters", () => {
    for (const bucketName of ["abc", "a".repeat(63)]) expect(resolve({ dataBucket: { existing: { bucketName } } }).dataBucket).toEqual({ existing: { bucketName } });
    for (const bucketName of ["ab", "a".repeat(64)]) expect(argErrorOf({ dataBucket: { existing: { bucketName } } }).arg).toBe("dataBucket.existing.bucketName");
  });
});

describe("dataBucket: an existing bucket or settings for a new one, never both", () => {
  it("adopts an existing bucket without any setting of a new one", () => {
    expect(resolve({ dataBucket: { existing: { bucketName: "acme-ml-data" } } }).dataBucket).toEqual({ existing: { bucketName: "acme-ml-data" } });
  });

  it("creates a bucket with the sibling settings otherwise", () => {
    expect(resolve({ dataBucket: { noncurrentVersionDays: 14 } }).dataBucket).toEqual({ noncurrentVersionDays: 14 });
    expect(resolve({ dataBucket: {} }).dataBucket).toEqual({ noncurrentVersionDays: 30 });
  });

  it("fails naming both when both are given, even with the default value", () => {
    for (const noncurrentVersionDays of [14, 30]) {
      const e = argErrorOf({ dataBucket: { existing: { bucketName: "acme-ml-data" }, noncurrentVersionDays } });
      expect(e.message).toBe(
        "TrainingWorkflow: dataBucket.existing: cannot be combined with dataBucket.noncurrentVersionDays (a setting of a bucket the component creates); give one or the other",
      );
    }
  });

  it("says the same in stack config terms", () => {
    expect(() => parseStackSettings({ environment: "dev", training: { dataBucket: { existing: { bucketName: "acme-ml-data" }, noncurrentVersionDays: 7 } } })).toThrow(
      new ConfigError("edge-mlops:training.dataBucket.existing", "cannot be combined with dataBucket.noncurrentVersionDays (a setting of a bucket the component creates); give one or the other"),
    );
  });
});

describe("decisions where the component and the stack config disagreed", () => {
  it("includeExecutionData is false unless a stack says otherwise (execution data may hold training data)", () => {
    expect(trainingSettings.parse({}).includeExecutionData).toBe(false);
    expect(resolve({}).includeExecutionData).toBe(false);
    expect(resolve({ includeExecutionData: true }).includeExecutionData).toBe(true);
    // The stack config takes the same default, so a prod stack that does not say so passes the prod rule.
    expect(parseStackSettings({ environment: "dev" }).training.includeExecutionData).toBe(false);
    expect(() => parseStackSettings({ environment: "prod", accountSettings: { owner: true }, observability: { notifications: { emails: ["a@example.com"] }, auditFrequency: "DAILY" }, network: {}, inference: { desiredCount: 2, loadBalancer: { deletionProtection: true } }, airflow: { webserverAccessMode: "PRIVATE_ONLY" } })).not.toThrow();
  });

  it("lambdaReservedConcurrency is bounded by 100 (the stack config's bound), no longer by 1000", () => {
    expect(argErrorOf({ lambdaReservedConcurrency: 1000 }).message).toBe("TrainingWorkflow: lambdaReservedConcurrency: must be <= 100, got 1000");
  });

  it("the settings the component had beyond the old config section are stack settings now", () => {
    const parsed = parseStackSettings({ environment: "dev", training: { pipelineName: "abalone-ml", kmsKeyArn: KMS } }).training;
    expect(parsed).toMatchObject({ pipelineName: "abalone-ml", kmsKeyArn: KMS });
  });
});
