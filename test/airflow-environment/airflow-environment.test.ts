// AirflowEnvironment under the offline plan's mocks: a prod-like environment with every option, a staging-like one
// wired with Outputs and the repository's airflow/ folder, and a disabled dev one, read back through the typed input
// table.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AirflowEnvironment, DAG_SETTINGS, WILDCARD_RESOURCE_ACTIONS } from "../../components/airflow-environment";
import type { TrustPolicy } from "../../components/iam";
import type { CostEstimate } from "../../components/pricing";
import { one, ofType, parentAliases, planProgram, recordAliases, type Plan } from "../support/offline";
import { allInputsOf, inputsOf, parseDocument, policyDocument } from "../support/resources";

/** The repository's airflow/ folder, the default sourceDir (relative to the project directory, here the working one). */
const REPOSITORY_AIRFLOW = path.resolve("airflow");
const BUCKET = "aws:s3/bucket:Bucket";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const ENVIRONMENT = "aws:mwaa/environment:Environment";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const SG = "aws:ec2/securityGroup:SecurityGroup";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-prod-training";
const FEATURE_GROUP_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/edge-mlops-prod-abalone";
const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b7f1c2e-1111-4222-8333-444455556666";
const PRIVATE_SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"];
/** The stack's names and region, as index.ts passes them. */
const stack = (name: string) => ({ region: "eu-west-1", project: "edge-mlops", stack: name });

/** A source folder like airflow/, with plugins.zip and startup.sh. */
const full = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-full-"));
const files: Record<string, string> = {
  "dags/continuous_training.py": "from airflow import DAG\n",
  "dags/lib/helpers.py": "def helper():\n    return 1\n",
  "dags/__pycache__/continuous_training.cpython-312.pyc": "bytecode",
  "requirements.txt": "apache-airflow-providers-amazon\n",
  "plugins.zip": "PK\u0003\u0004 plugin archive",
  "startup.sh": "#!/bin/sh\nexport EXTRA=1\n",
};
const sha256 = (content: string) => createHash("sha256").update(content).digest("hex");

let plan: Plan;
const estimates: Record<string, CostEstimate | undefined> = {};
let aliases: ReturnType<typeof recordAliases>;
let prodEnvironment: AirflowEnvironment;

beforeAll(async () => {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(full, rel)), { recursive: true });
    fs.writeFileSync(path.join(full, rel), content);
  }
  plan = await planProgram(
    () => {
      aliases = recordAliases();
      const prod = new AirflowEnvironment("prod", {
        ...stack("prod"),
        enabled: true,
        environmentName: "edge-mlops-prod",
        airflowVersion: "2.10.3",
        environmentClass: "mw1.medium",
        minWorkers: 2,
        maxWorkers: 10,
        schedulers: 2,
        webserverAccessMode: "PRIVATE_ONLY",
        logLevels: { task: "INFO", scheduler: "ERROR" },
        defaultTaskRetries: 3,
        kmsKeyArn: KMS_KEY_ARN,
        weeklyMaintenanceWindowStart: "SAT:22:30",
        newDataPrefix: "incoming/",
        archivePrefix: "archive/",
        vpcId: "vpc-0123456789abcdef0",
        privateSubnetIds: PRIVATE_SUBNETS,
        dataBucketName: "edge-mlops-prod-data",
        dataBucketArn: "arn:aws:s3:::edge-mlops-prod-data",
        featureGroupName: "edge-mlops-prod-abalone",
        featureGroupArn: FEATURE_GROUP_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        protect: true,
        sourceDir: full,
      });
      // Subnets as an Output (the shared network's form), the repository's airflow/ folder, AWS-owned keys.
      const staging = new AirflowEnvironment("staging", {
        ...stack("test"),
        enabled: true,
        vpcId: pulumi.output("vpc-0fedcba9876543210"),
        privateSubnetIds: pulumi.output(PRIVATE_SUBNETS.slice(0, 2)),
        dataBucketName: pulumi.output("edge-mlops-staging-data"),
        dataBucketArn: pulumi.output("arn:aws:s3:::edge-mlops-staging-data"),
        featureGroupName: "edge-mlops-staging-abalone",
        featureGroupArn: "arn:aws:sagemaker:eu-west-1:123456789012:feature-group/edge-mlops-staging-abalone",
        stateMachineArn: pulumi.output("arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-staging-training"),
      });
      const dev = new AirflowEnvironment("dev", { ...stack("dev"), enabled: false, sourceDir: full });
      prodEnvironment = prod;
      Object.assign(estimates, { prod: prod.monthlyCostEstimate, staging: staging.monthlyCostEstimate, dev: dev.monthlyCostEstimate });
      return {
        prodVersions: prod.objectVersions,
        prodConfigurationOptions: pulumi.unsecret(prod.configurationOptions!),
        stagingConfigurationOptions: pulumi.unsecret(staging.configurationOptions!),
        stagingVersions: staging.objectVersions,
        prodEnvironmentArn: prod.environment!.arn,
        prodWebserverUrl: prod.webserverUrl,
        prodSecurityGroupId: prod.securityGroup!.id,
        prodBucketArn: prod.dagBucket.arn,
        stagingEnvironmentName: staging.environmentName,
        devEnvironmentName: dev.environmentName,
        devOptional: [dev.environment, dev.executionRole, dev.securityGroup, dev.webserverUrl].map((x) => x === undefined),
      };
    },
    { stack: "test" },
  );
});

afterAll(() => fs.rmSync(full, { recursive: true, force: true }));

describe("DAG bucket", () => {
  it("is named airflow-<name>-..., versioned, private, encrypted and TLS-only", () => {
    expect(inputsOf(plan, BUCKET, "prod-dags-bucket")).toEqual({ bucketPrefix: "airflow-prod-", forceDestroy: false });
    const name = String(plan.outputs.prodBucketArn).replace("arn:aws:s3:::", "");
    expect(name).toMatch(/^airflow-prod-[0-9a-f]{8}$/);

    expect(inputsOf(plan, VERSIONING, "prod-dags-versioning")).toEqual({
      bucket: name,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(inputsOf(plan, PUBLIC_ACCESS, "prod-dags-public-access")).toEqual({
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(inputsOf(plan, ENCRYPTION, "prod-dags-encryption")).toEqual({
      bucket: name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS_KEY_ARN }, bucketKeyEnabled: true }],
    });
    expect(inputsOf(plan, ENCRYPTION, "staging-dags-encryption").rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
    ]);

    expect(policyDocument(inputsOf(plan, BUCKET_POLICY, "prod-dags-policy").policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [plan.outputs.prodBucketArn, `${plan.outputs.prodBucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    expect(one(plan, BUCKET_POLICY, "prod-dags-policy").dependsOn).toEqual([one(plan, PUBLIC_ACCESS, "prod-dags-public-access").urn]);
  });

  it("is protected only where the args say so; an unprotected one can be destroyed with its object versions", () => {
    expect(one(plan, BUCKET, "prod-dags-bucket").options.protect).toBe(true);
    expect(one(plan, BUCKET, "staging-dags-bucket").options.protect).toBe(false);
    expect(inputsOf(plan, BUCKET, "staging-dags-bucket").forceDestroy).toBe(true);
    for (const r of plan.resources.filter((r) => r.name.startsWith("prod-") && r.type !== BUCKET)) expect(r.options.protect).toBe(false);
  });

  it("keeps the URNs the bucket and its settings had as direct children of the environment", () => {
    const moved = [
      [BUCKET, "prod-dags-bucket", "prod-dags"],
      ...["versioning", "encryption", "public-access", "policy"].map((setting) => {
        const child = plan.resources.find((r) => r.name === `prod-dags-${setting}`)!;
        return [child.type, child.name, child.name];
      }),
    ];
    for (const [type, name, formerName] of moved) {
      const former = parentAliases(aliases, type, name);
      expect(former.map((a) => a.name), name).toEqual([formerName]);
      expect(former[0].parent, name).toBe(prodEnvironment);
    }
  });
});

describe("uploads", () => {
  it("uploads dags/** (no byte code) and the optional files, each with a content hash, after versioning is on", () => {
    const keys = ["dags/continuous_training.py", "dags/lib/helpers.py", "requirements.txt", "plugins.zip", "startup.sh"];
    expect(allInputsOf(plan, OBJECT, "prod-").map((o) => o.key)).toEqual(keys);
    const versioning = one(plan, VERSIONING, "prod-dags-versioning").urn;
    const encryption = one(plan, ENCRYPTION, "prod-dags-encryption").urn;
    const bucket = String(plan.outputs.prodBucketArn).replace("arn:aws:s3:::", "");
    for (const key of keys) {
      expect(inputsOf(plan, OBJECT, `prod-${key}`)).toEqual({
        bucket,
        key,
        source: { asset: "file", path: path.relative(process.cwd(), path.join(full, key)) },
        sourceHash: sha256(files[key]),
      });
      expect(one(plan, OBJECT, `prod-${key}`).dependsOn).toEqual([versioning, encryption]);
    }
  });

  it("uploads the repository's airflow/ folder by default: DAGs and requirements.txt, nothing else", () => {
    const keys = allInputsOf(plan, OBJECT, "staging-").map((o) => o.key);
    expect(keys).toContain("dags/continuous_training.py");
    expect(keys.filter((k) => !k?.startsWith("dags/"))).toEqual(["requirements.txt"]);
    expect(inputsOf(plan, OBJECT, "staging-requirements.txt")).toEqual({
      bucket: expect.stringMatching(/^airflow-staging-/),
      key: "requirements.txt",
      source: { asset: "file", path: path.join("airflow", "requirements.txt") },
      sourceHash: sha256(fs.readFileSync(path.join(REPOSITORY_AIRFLOW, "requirements.txt"), "utf8")),
    });
  });
});

describe("MWAA environment (prod shape)", () => {
  it("registers the stack's shape: PRIVATE_ONLY, all five logs, two private subnets, object versions wired", () => {
    const versions = plan.outputs.prodVersions as Record<string, string>;
    for (const v of ["requirements", "plugins", "startupScript"]) expect(versions[v]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(Object.values(versions)).size).toBe(3);
    expect(inputsOf(plan, ENVIRONMENT, "prod-environment")).toEqual({
      name: "edge-mlops-prod",
      airflowVersion: "2.10.3",
      environmentClass: "mw1.medium",
      minWorkers: 2,
      maxWorkers: 10,
      schedulers: 2,
      webserverAccessMode: "PRIVATE_ONLY",
      executionRoleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/prod-execution-role-[0-9a-f]{7}$/),
      kmsKey: KMS_KEY_ARN,
      weeklyMaintenanceWindowStart: "SAT:22:30",
      sourceBucketArn: plan.outputs.prodBucketArn,
      dagS3Path: "dags",
      requirementsS3Path: "requirements.txt",
      requirementsS3ObjectVersion: versions.requirements,
      pluginsS3Path: "plugins.zip",
      pluginsS3ObjectVersion: versions.plugins,
      startupScriptS3Path: "startup.sh",
      startupScriptS3ObjectVersion: versions.startupScript,
      loggingConfiguration: {
        dagProcessingLogs: { enabled: true, logLevel: "WARNING" },
        schedulerLogs: { enabled: true, logLevel: "ERROR" },
        taskLogs: { enabled: true, logLevel: "INFO" },
        webserverLogs: { enabled: true, logLevel: "WARNING" },
        workerLogs: { enabled: true, logLevel: "WARNING" },
      },
      // Stored as a secret by the provider; the same values are read through configurationOptions below.
      airflowConfigurationOptions: "[secret]",
      networkConfiguration: { securityGroupIds: [plan.outputs.prodSecurityGroupId], subnetIds: PRIVATE_SUBNETS.slice(0, 2) },
    });
    expect(plan.outputs.prodConfigurationOptions).toEqual({
      "core.default_task_retries": "3",
      "edge_mlops.data_bucket": "edge-mlops-prod-data",
      "edge_mlops.new_data_prefix": "incoming/",
      "edge_mlops.archive_prefix": "archive/",
      "edge_mlops.feature_group_name": "edge-mlops-prod-abalone",
      "edge_mlops.state_machine_arn": STATE_MACHINE_ARN,
    });
    expect(plan.outputs.prodEnvironmentArn).toBe("arn:aws:airflow:eu-west-1:123456789012:environment/edge-mlops-prod");
    expect(plan.outputs.prodWebserverUrl).toMatch(/\.eu-west-1\.airflow\.amazonaws\.com$/);
  });

  it("waits for the role's permissions and the uploads before creating the environment", () => {
    expect(one(plan, ENVIRONMENT, "prod-environment").dependsOn).toEqual([one(plan, ROLE_POLICY, "prod-execution-policy").urn, ...ofType(plan, OBJECT, "prod-").map((o) => o.urn)]);
  });

  it("omits the plugins and start-up script versions when those files are absent", () => {
    const env = inputsOf(plan, ENVIRONMENT, "staging-environment");
    const versions = plan.outputs.stagingVersions as Record<string, string>;
    expect(Object.keys(versions)).toEqual(["requirements"]);
    expect(env.requirementsS3ObjectVersion).toBe(versions.requirements);
    for (const k of ["pluginsS3Path", "pluginsS3ObjectVersion", "startupScriptS3Path", "startupScriptS3ObjectVersion", "kmsKey"]) expect(env).not.toHaveProperty(k);
    expect(env).toMatchObject({ name: "edge-mlops-test-staging", environmentClass: "mw1.small", minWorkers: 1, maxWorkers: 2, schedulers: 2, webserverAccessMode: "PRIVATE_ONLY" });
    expect(plan.outputs.stagingEnvironmentName).toBe("edge-mlops-test-staging");
    expect(env.networkConfiguration?.subnetIds).toEqual(PRIVATE_SUBNETS.slice(0, 2));
  });

  it("passes every setting the DAG reads with conf.get('edge_mlops', ...) and nothing it does not read", () => {
    const dag = fs.readFileSync(path.join(REPOSITORY_AIRFLOW, "dags", "continuous_training.py"), "utf8");
    const read = new Set([...dag.matchAll(/conf\.get\(\s*['"]edge_mlops['"]\s*,\s*['"]([a-z_]+)['"]\s*\)/g)].map((m) => `edge_mlops.${m[1]}`));
    expect([...read].sort()).toEqual(Object.values(DAG_SETTINGS).sort());
    const options = plan.outputs.stagingConfigurationOptions as Record<string, string>;
    for (const key of read) expect(options[key]).toMatch(/\S/);
  });

  it("puts the environment in a security group that admits only itself and may reach anything", () => {
    expect(inputsOf(plan, SG, "prod-sg")).toEqual({
      vpcId: "vpc-0123456789abcdef0",
      description: "MWAA environment edge-mlops-prod: its containers talk to each other, reach AWS through the NAT",
      ingress: [{ description: "MWAA containers and VPC endpoints of this environment", protocol: "-1", fromPort: 0, toPort: 0, self: true }],
      egress: [{ description: "AWS APIs, metadata database, package index", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    });
  });

  it("estimates the monthly cost of the class in the stack's region", () => {
    expect(estimates.prod).toEqual({
      usd: 686.2,
      breakdown: [
        { item: "mwaa/mw1.medium/environment", quantity: 730, unit: "hour", usdPerUnit: 0.82, usd: 598.6, unverified: true },
        { item: "mwaa/mw1.medium/worker", quantity: 730, unit: "hour", usdPerUnit: 0.12, usd: 87.6, unverified: true },
      ],
    });
    expect(estimates.staging?.usd).toBe(394.2);
  });
});

describe("execution role", () => {
  it("is trusted by the two MWAA service principals only", () => {
    expect(inputsOf(plan, ROLE, "prod-execution-role").description).toBe("Execution role of the MWAA environment edge-mlops-prod");
    expect(parseDocument<TrustPolicy>(inputsOf(plan, ROLE, "prod-execution-role").assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }, Action: "sts:AssumeRole" }],
    });
  });

  it("grants exactly the statements the environment and the DAG need, on their own resources", () => {
    const policy = inputsOf(plan, ROLE_POLICY, "prod-execution-policy");
    expect(policy.role).toMatch(/^prod-execution-role-/);
    const doc = policyDocument(policy.policy);
    const bucket = String(plan.outputs.prodBucketArn);
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement).toEqual([
      { Sid: "PublishEnvironmentMetrics", Effect: "Allow", Action: ["airflow:PublishMetrics"], Resource: [plan.outputs.prodEnvironmentArn] },
      { Sid: "ReadDagBucket", Effect: "Allow", Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"], Resource: [bucket, `${bucket}/*`] },
      { Sid: "CheckAccountPublicAccessBlock", Effect: "Allow", Action: ["s3:GetAccountPublicAccessBlock"], Resource: ["*"] },
      {
        Sid: "WriteEnvironmentLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults"],
        Resource: ["arn:aws:logs:eu-west-1:123456789012:log-group:airflow-edge-mlops-prod-*"],
      },
      { Sid: "DescribeLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: ["*"] },
      {
        Sid: "PutEnvironmentMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: ["*"],
        Condition: { StringEquals: { "cloudwatch:namespace": "AmazonMWAA" } },
      },
      {
        Sid: "UseCeleryQueues",
        Effect: "Allow",
        Action: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
        Resource: ["arn:aws:sqs:eu-west-1:*:airflow-celery-*"],
      },
      {
        Sid: "UseEnvironmentKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
        Resource: [KMS_KEY_ARN],
        Condition: { StringLike: { "kms:ViaService": ["sqs.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"] } },
      },
      { Sid: "StartTraining", Effect: "Allow", Action: ["states:StartExecution"], Resource: [STATE_MACHINE_ARN] },
      {
        Sid: "FollowTraining",
        Effect: "Allow",
        Action: ["states:DescribeExecution"],
        Resource: ["arn:aws:states:eu-west-1:123456789012:execution:edge-mlops-prod-training:*"],
      },
      {
        Sid: "ListNewData",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::edge-mlops-prod-data"],
        Condition: { StringLike: { "s3:prefix": ["incoming/", "incoming/*"] } },
      },
      { Sid: "ReadAndRemoveNewData", Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: ["arn:aws:s3:::edge-mlops-prod-data/incoming/*"] },
      { Sid: "WriteArchive", Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::edge-mlops-prod-data/archive/*"] },
      { Sid: "WriteFeatureGroup", Effect: "Allow", Action: ["sagemaker:PutRecord", "sagemaker:DescribeFeatureGroup"], Resource: [FEATURE_GROUP_ARN] },
    ]);
  });

  it("has no * action, no *FullAccess policy, and a * resource only for the documented exceptions", () => {
    for (const name of ["prod", "staging"]) {
      const doc = policyDocument(inputsOf(plan, ROLE_POLICY, `${name}-execution-policy`).policy);
      for (const st of doc.Statement) {
        const actions = [st.Action ?? []].flat();
        for (const action of actions) expect(action === "*" || /^[a-z0-9-]+:\*$/.test(action)).toBe(false);
        if ([st.Resource ?? []].flat().includes("*")) expect(actions.every((a) => (WILDCARD_RESOURCE_ACTIONS as readonly string[]).includes(a))).toBe(true);
      }
      const staging = doc.Statement.find((s) => s.Sid === "UseCeleryQueueKey");
      if (name === "staging") expect(staging?.NotResource).toEqual(["arn:aws:kms:*:123456789012:key/*"]);
    }
    expect(ofType(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(0);
    expect(ofType(plan, "aws:iam/policy:Policy")).toHaveLength(0);
  });
});

describe("disabled (cost control)", () => {
  it("keeps the DAG bucket and uploads but creates no environment, role or security group, and costs nothing", () => {
    expect(inputsOf(plan, BUCKET, "dev-dags-bucket").bucketPrefix).toBe("airflow-dev-");
    expect(allInputsOf(plan, OBJECT, "dev-").map((o) => o.key)).toEqual(["dags/continuous_training.py", "dags/lib/helpers.py", "requirements.txt", "plugins.zip", "startup.sh"]);
    for (const type of [ENVIRONMENT, ROLE, ROLE_POLICY, SG]) expect(ofType(plan, type, "dev-")).toHaveLength(0);
    expect(plan.outputs.devOptional).toEqual([true, true, true, true]);
    expect(plan.outputs.devEnvironmentName).toBe("edge-mlops-dev-dev");
    expect(estimates.dev).toEqual({ usd: 0, breakdown: [] });
  });
});

describe("component", () => {
  it("has its type token and parents every child to itself", () => {
    for (const name of ["prod", "staging", "dev"]) {
      const component = one(plan, "edge-mlops:airflow:AirflowEnvironment", name);
      const dagBucket = one(plan, "edge-mlops:storage:SecureBucket", `${name}-dags`);
      const children = plan.resources.filter((r) => r.name.startsWith(`${name}-`));
      expect(children.length).toBeGreaterThan(5);
      // The DAG bucket's resources belong to its SecureBucket, which belongs to the environment.
      for (const r of children) expect(r.parent, r.name).toBe(r.name.startsWith(`${name}-dags-`) ? dagBucket.urn : component.urn);
      expect(children.filter((r) => r.parent === dagBucket.urn).map((r) => r.name)).toEqual(
        ["bucket", "versioning", "encryption", "public-access", "policy"].map((child) => `${name}-dags-${child}`),
      );
    }
  });
});
