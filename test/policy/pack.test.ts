// The policy pack the way `pulumi preview --policy-pack policy` runs it: Pulumi's own policy-pack host
// (@pulumi/pulumi/cmd/run-policy-pack, TypeScript through its ts-node) serves policy/ over gRPC, and this test talks
// to it as the CLI does: GetAnalyzerInfo, Configure with policy/config.<env>.json, Analyze and AnalyzeStack.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULES } from "../../policy/rules";
import { BUCKET_ID, T, compliantBucket, urn } from "./fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const { MANDATORY, ADVISORY } = analyzer.EnforcementLevel;

let host: ChildProcess;
let client: AnalyzerClient;

function unary<Res>(invoke: (cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => invoke((e, r) => (e ? reject(e) : resolve(r))));
}

function resourceOptions(protect: boolean): analyzer.AnalyzerResourceOptions {
  return new analyzer.AnalyzerResourceOptions().setProtect(protect);
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>, protect = false): analyzer.AnalyzeRequest {
  return new analyzer.AnalyzeRequest()
    .setType(type)
    .setName(name)
    .setUrn(urn(type, name))
    .setProperties(Struct.fromJavaScript(props as never))
    .setOptions(resourceOptions(protect));
}

async function analyze(type: string, name: string, props: Record<string, unknown>, protect = false) {
  const res = await unary<analyzer.AnalyzeResponse>((cb) => client.analyze(analyzeRequest(type, name, props, protect), cb));
  return res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}

async function configure(environment: "dev" | "staging" | "prod") {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", `config.${environment}.json`), "utf8")) as Record<string, { enforcementLevel: string }>;
  const req = new analyzer.ConfigureAnalyzerRequest();
  // As the CLI sends --policy-pack-config: the level apart, every other key of an entry is a config property.
  for (const [policy, { enforcementLevel, ...properties }] of Object.entries(config)) {
    const level = enforcementLevel === "mandatory" ? MANDATORY : ADVISORY;
    req.getPolicyconfigMap().set(policy, new analyzer.PolicyConfig().setEnforcementlevel(level).setProperties(Struct.fromJavaScript(properties as never)));
  }
  await unary<Empty>((cb) => client.configure(req, cb));
}

beforeAll(async () => {
  host = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], {
    cwd: path.join(ROOT, "policy"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  host.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    host.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0].trim();
      if (out.includes("\n") && /^\d+$/.test(line)) resolve(line);
    });
    host.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}${out}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  if (host?.pid !== undefined && host.exitCode === null) host.kill();
});

describe("the policy pack served by Pulumi's policy-pack host", () => {
  it("describes itself: name, version from the project's package.json, one policy per rule at its prod level", async () => {
    const info = await unary<analyzer.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
    expect(info.getName()).toBe("edge-mlops");
    expect(info.getVersion()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
    const policies = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
    expect(policies).toEqual(RULES.map((r) => [r.name, r.severity.prod === "mandatory" ? MANDATORY : ADVISORY]));
    const ecr = info.getPoliciesList().find((p) => p.getName() === "ecr-scan-on-push")!;
    expect(ecr.getDescription()).toContain("Maps to Checkov CKV_AWS_163; Trivy AVD-AWS-0030.");
  });

  it("reports a resource's violations", async () => {
    const diagnostics = await analyze(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: false }, imageTagMutability: "MUTABLE" });
    expect(diagnostics).toEqual([
      { policy: "ecr-scan-on-push", level: MANDATORY, message: expect.stringContaining(`repository "repo" does not scan images on push`) },
      { policy: "ecr-immutable-tags", level: MANDATORY, message: expect.stringContaining(`repository "repo" has imageTagMutability "MUTABLE"`) },
      { policy: "stateful-resources-protected", level: MANDATORY, message: expect.stringContaining(`Repository "repo" holds data but is not protected`) },
    ]);
    expect(await analyze(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" }, true)).toEqual([]);
  });

  it("does not fire on values unknown during preview, and still checks the known ones", async () => {
    const diagnostics = await analyze(T.repository, "repo", { imageScanningConfiguration: { scanOnPush: unknownValue }, imageTagMutability: "MUTABLE" }, true);
    expect(diagnostics.map((d) => d.policy)).toEqual(["ecr-immutable-tags"]);
    expect(await analyze(T.rolePolicy, "p", { role: unknownValue, policy: unknownValue })).toEqual([]);
  });

  it("takes each policy's enforcement level from policy/config.<env>.json", async () => {
    const lb = { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: false };
    await configure("dev");
    expect(await analyze(T.loadBalancer, "lb", lb)).toEqual([{ policy: "alb-deletion-protection", level: ADVISORY, message: expect.any(String) }]);
    await configure("prod");
    expect(await analyze(T.loadBalancer, "lb", lb)).toEqual([{ policy: "alb-deletion-protection", level: MANDATORY, message: expect.any(String) }]);
  });

  it("takes each rule's settings from the same file: a 30-day log group passes staging and fails prod", async () => {
    const logs = { namePrefix: "/edge-mlops/x/", retentionInDays: 30 };
    await configure("staging");
    expect(await analyze(T.logGroup, "logs", logs)).toEqual([]);
    await configure("prod");
    expect(await analyze(T.logGroup, "logs", logs)).toEqual([
      { policy: "log-group-retention", level: MANDATORY, message: expect.stringContaining(`below this tier's minimum of 365 days`) },
    ]);
  });

  it("checks the stack: a bucket is paired with its companions, a bare bucket is reported against its URN", async () => {
    const resources = [...compliantBucket(), { type: T.bucket, name: "bare", urn: urn(T.bucket, "bare"), inputs: { bucket: "bare-0a1b2c3" } }];
    const req = new analyzer.AnalyzeStackRequest().setResourcesList(
      resources.map((r) => {
        // Stack checks see outputs: a bucket's `bucket` output is its name, which companions reference.
        const props = r.type === T.bucket && r.name === "data" ? { ...r.inputs, bucket: BUCKET_ID, arn: `arn:aws:s3:::${BUCKET_ID}` } : r.inputs;
        return new analyzer.AnalyzerResource()
          .setType(r.type)
          .setName(r.name)
          .setUrn(r.urn)
          .setProperties(Struct.fromJavaScript(props as never))
          .setOptions(resourceOptions(true));
      }),
    );
    const res = await unary<analyzer.AnalyzeResponse>((cb) => client.analyzeStack(req, cb));
    const diagnostics = res.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getUrn()]);
    const bare = urn(T.bucket, "bare");
    expect(diagnostics).toEqual([
      ["s3-encryption", bare],
      ["s3-versioning", bare],
      ["s3-public-access-block", bare],
      ["s3-tls-only", bare],
    ]);
  });
});
