// The architecture diagram: its DOT read back as a person reads the picture (node titles, labelled edges, notes),
// for the real dev and prod plans and for dev without the edge fleet, each written by the plan CLI; the reduction
// rules on small plans built here; and the CLI. Nothing here needs a browser: DOT is text, and @viz-js/viz renders it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fitToWidth, planToDot } from "../../scripts/diagram";
import { systemOf } from "../../scripts/diagram/system";
import type { Plan, PlannedResource } from "../../scripts/offline/run";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-test-"));

function cli(script: string, ...args: string[]) {
  // `npm run` runs in the repository's root and names the caller's folder in INIT_CWD: here, the test's folder.
  const env = { ...process.env, INIT_CWD: TMP };
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [script, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A plan as `npm run plan -- --json` writes it. */
function planOf(name: string, ...args: string[]): Plan {
  const file = path.join(TMP, `${name}.json`);
  const run = cli("scripts/plan.ts", ...args, "--json", file);
  if (run.code !== 0) throw new Error(`plan ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
}

/** The picture as text: node titles, edges as `from -> to "label"` (+ ` main`, ` dashed`), and the notes' lines. */
function read(dot: string) {
  const titles = new Map<string, string>();
  for (const m of dot.matchAll(/^\s+(n\d+) \[label=<<B>(.*?)<\/B>/gm)) titles.set(m[1], m[2].replace(/<BR\/>/g, " "));
  const edges: string[] = [];
  for (const m of dot.matchAll(/^\s+(n\d+) -> (n\d+)(?: \[(.*)\])?;$/gm)) {
    const attrs = m[3] ?? "";
    if (attrs.includes("style=invis")) continue;
    const label = /label="([^"]*)"/.exec(attrs)?.[1];
    edges.push(`${titles.get(m[1])} -> ${titles.get(m[2])}${label ? ` "${label}"` : ""}${attrs.includes("penwidth=2.4") ? " main" : ""}${attrs.includes("style=dashed") ? " dashed" : ""}`);
  }
  const notes = [...dot.matchAll(/^\s+s\d+ \[shape=note.*? label="(.*?)", tooltip/gm)].map((m) => m[1].split("\\l").filter(Boolean));
  return { titles: [...titles.values()], edges, notes, clusters: [...dot.matchAll(/^\s+label="([^"]*)"; fontsize=13/gm)].map((m) => m[1]) };
}

/** Resources of the plan under the top-level component of `type`, custom ones only. */
function under(plan: Plan, componentType: string): PlannedResource[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const top = (r: PlannedResource): PlannedResource | undefined => {
    let found: PlannedResource | undefined;
    for (let c: PlannedResource | undefined = r; c; c = c.parent ? byUrn.get(c.parent) : undefined) if (c.type.startsWith("edge-mlops:")) found = c;
    return found;
  };
  return plan.resources.filter((r) => r.custom && top(r)?.type === componentType);
}

const FLOW = {
  dev: [
    'feature group -> training state machine "trains on" main',
    'training state machine -> model package group "registers" main dashed',
    'ECR image -> ECS service "runs" main',
    'load balancer -> ECS service "serves" main',
    'ECR image -> Greengrass component inference "packaged as" main',
    'Greengrass component inference -> Greengrass deployment "part of" main',
    'Greengrass deployment -> thing group edge-mlops-dev "deploys" main',
  ],
  prod: [
    'data bucket -> MWAA environment "new data" main',
    'MWAA environment -> feature group "ingests" main',
    'MWAA environment -> training state machine "starts" main',
    'feature group -> training state machine "trains on" main',
    'training state machine -> model package group "registers" main dashed',
    'ECR image -> ECS service "runs" main',
    'load balancer -> ECS service "serves" main',
    'Greengrass deployment -> thing group edge-mlops-prod "deploys" main',
  ],
};

describe.each(["dev", "prod"] as const)("diagram of the %s plan", (stack) => {
  let plan: Plan;
  let dot: string;
  beforeAll(() => {
    plan = planOf(stack, "--stack", stack);
    dot = planToDot(plan);
  }, 180_000);

  it("draws the main path's resources by name, each component as a cluster", () => {
    const { titles, clusters } = read(dot);
    for (const title of ["data bucket", "feature group", "training state machine", "model package group", "ECR image", "load balancer", "ECS service",
      "Greengrass deployment", `thing group edge-mlops-${stack}`]) expect(titles, title).toContain(title);
    expect(titles.includes("MWAA environment")).toBe(stack === "prod");
    expect(clusters).toEqual(expect.arrayContaining(["Training workflow", "Airflow environment", "Inference service", "Edge fleet", "Network"]));
  });

  it("labels and emphasises the data flow, from Pulumi's dependencies", () => {
    const { edges } = read(dot);
    expect(edges).toEqual(expect.arrayContaining(FLOW[stack]));
    // Without MWAA nothing carries new data to the feature group or starts training.
    expect(edges.some((e) => e.includes('"new data"'))).toBe(stack === "prod");
    // Grey, unlabelled edges are dependencies the flow table does not name; blue ones always carry a label.
    for (const e of edges.filter((x) => x.includes(" main"))) expect(e, e).toMatch(/"[^"]+" main/);
  });

  it("counts supporting resources per component instead of drawing them: no node per IAM role or policy", () => {
    const system = systemOf(plan);
    const types = new Map(plan.resources.map((r) => [r.urn, r.type]));
    const drawnTypes = system.nodes.map((n) => types.get(n.urn) as string);
    for (const type of drawnTypes) expect(type, type).not.toMatch(/^aws:(iam|cloudwatch\/(metricAlarm|logGroup)|s3\/bucket[A-Z]|ec2\/securityGroup|vpc\/)/);
    const training = under(plan, "edge-mlops:training:TrainingWorkflow");
    const iam = training.filter((r) => r.type.startsWith("aws:iam/")).length;
    const alarms = training.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").length;
    expect(iam).toBeGreaterThan(5);
    const note = read(dot).notes.find((lines) => lines.includes(`${iam} IAM roles/policies`));
    expect(note, read(dot).notes.join(" | ")).toContain(`${alarms} alarms`);
  });

  it("accounts for every resource: drawn, or counted in its component's note", () => {
    const system = systemOf(plan);
    const counted = system.clusters.reduce((n, c) => n + c.summary.reduce((m, l) => m + l.count, 0), 0);
    const resources = plan.resources.filter((r) => !r.type.startsWith("pulumi:providers:") && !r.type.startsWith("edge-mlops:"));
    expect(system.resourceCount).toBe(resources.length);
    expect(system.nodes.length + counted).toBe(resources.length);
    // A diagram a reviewer can read: the seven components and their data flow fit in 36 nodes.
    expect(system.nodes.length).toBeLessThan(36);
  });

  it("is DOT Graphviz renders, fitted to the width it is shown at", async () => {
    const { instance } = await import("@viz-js/viz");
    const svg = fitToWidth((await instance()).renderString(dot, { format: "svg", engine: "dot" }));
    expect(svg).toMatch(/^<svg width="100%"$/m);
    expect(svg).toMatch(/viewBox="0\.00 0\.00 \d+/);
    expect(svg).toContain(">training state machine<");
    expect(svg).toContain(">registers<");
  });
});

describe("diagram of dev without the edge fleet", () => {
  let dot: string;
  beforeAll(() => {
    const file = path.join(TMP, "Pulumi.no-edge.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").replace(/^ {2}edge-mlops:edgeFleet:\n/m, "$&    enabled: false\n"));
    dot = planToDot(planOf("no-edge", "--stack", "dev", "--config-file", file));
  }, 180_000);

  it("draws training and inference, and no edge fleet", () => {
    const { titles, edges, clusters } = read(dot);
    expect(clusters).not.toContain("Edge fleet");
    expect(titles.some((t) => /Greengrass|thing group/.test(t))).toBe(false);
    expect(edges).toEqual(expect.arrayContaining(FLOW.dev.slice(0, 4)));
  });
});

// Small plans for the reduction rules.
const STACK = "urn:pulumi:t::edge-mlops::pulumi:pulumi:Stack";
function res(type: string, name: string, parent: string | null, extra: Partial<PlannedResource> = {}): PlannedResource {
  return {
    urn: `${STACK}$${type}::${name}`, type, name, parent, custom: !type.startsWith("edge-mlops:"), inputs: {},
    options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [] },
    dependsOn: [], inputDependencies: [], id: `${name}-id`, arn: null, ...extra,
  };
}
const planWith = (resources: PlannedResource[]): Plan => ({ project: "edge-mlops", stack: "t", resources, outputs: {}, violations: [] });

describe("reduction rules", () => {
  const training = res("edge-mlops:training:TrainingWorkflow", "t", null);
  const bucket = res("aws:s3/bucket:Bucket", "t-data-bucket", training.urn);
  const models = res("aws:sagemaker/modelPackageGroup:ModelPackageGroup", "t-models", training.urn, { arn: "arn:aws:sagemaker:eu-west-1:1:model-package-group/g" });
  const role = res("aws:iam/role:Role", "t-fn-role", training.urn);
  const policy = res("aws:iam/rolePolicy:RolePolicy", "t-fn-policy", training.urn, {
    inputDependencies: [role.urn], inputs: { policy: JSON.stringify({ Statement: [{ Resource: [`${models.arn}`, "arn:aws:sagemaker:eu-west-1:1:model-package-group/g-other"] }] }) },
  });
  const fn = res("aws:lambda/function:Function", "t-fn", training.urn, { inputDependencies: [role.urn], dependsOn: [policy.urn] });
  const machine = res("aws:sfn/stateMachine:StateMachine", "t-state-machine", training.urn, { inputDependencies: [fn.urn, bucket.urn] });
  const strange = res("aws:foo/bar:Baz", "t-baz", training.urn);
  const network = res("edge-mlops:network:Network", "t", null);
  const vpc = res("awsx:ec2:Vpc", "t-vpc", network.urn);
  const inference = res("edge-mlops:inference:InferenceService", "t", null);
  const tg = res("aws:lb/targetGroup:TargetGroup", "t-tg", inference.urn, { inputDependencies: [vpc.urn] });
  const service = res("aws:ecs/service:Service", "t-service", inference.urn, { inputDependencies: [tg.urn] });
  const board = res("edge-mlops:observability:Dashboard", "t", null);
  const dashboard = res("aws:cloudwatch/dashboard:Dashboard", "t-dashboard", board.urn, { inputDependencies: [service.urn, tg.urn] });
  const system = systemOf(planWith([training, bucket, models, role, policy, fn, machine, strange, network, vpc, inference, tg, service, board, dashboard]));
  const title = (id: string) => system.nodes.find((n) => n.id === id)?.label;
  const edges = system.edges.map((e) => `${title(e.from)} -> ${title(e.to)}${e.byReference ? " (ARN only)" : ""}`);

  it("joins nodes through supporting resources, and marks a join made only by an ARN in an input", () => {
    expect(edges).toContain("training state machine -> model package group (ARN only)");
    expect(edges).toContain("data bucket -> training state machine");
    expect(system.edges.find((e) => title(e.from) === "data bucket")?.byReference).toBe(false);
  });

  it("does not walk through another component's supporting resources, and lists a hub's users instead of drawing its edges", () => {
    expect(system.edges.some((e) => title(e.from) === "VPC" || title(e.to) === "VPC" || title(e.to) === "CloudWatch dashboard")).toBe(false);
    expect(system.nodes.find((n) => n.label === "VPC")?.hub).toBe("used by Inference service");
    expect(system.nodes.find((n) => n.label === "CloudWatch dashboard")?.hub).toBe("metrics of Inference service");
  });

  it("counts a type the catalogue does not know under its own type name", () => {
    const note = system.clusters.find((c) => c.label === "Training workflow")?.summary.map((l) => l.text);
    expect(note).toEqual(["2 IAM roles/policies", "1 foo Baz", "1 Lambda function"]);
  });
});

describe("diagram CLI", () => {
  it("draws from a plan file and writes an SVG that fits its window", () => {
    const planFile = path.join(TMP, "small.json");
    fs.writeFileSync(planFile, JSON.stringify(planWith([res("edge-mlops:training:TrainingWorkflow", "t", null), res("aws:s3/bucket:Bucket", "t-data-bucket", `${STACK}$edge-mlops:training:TrainingWorkflow::t`)])));
    const out = path.join(TMP, "small.svg");
    const run = cli("scripts/diagram.ts", "--plan", planFile, "--out", out);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const svg = fs.readFileSync(out, "utf8");
    expect(svg).toMatch(/^<svg width="100%"$/m);
    expect(svg).toContain(">data bucket<");
    // Relative paths are the caller's, not the repository root's.
    const relative = cli("scripts/diagram.ts", "--plan", "small.json", "--out", "relative.svg");
    expect([relative.code, fs.readFileSync(path.join(TMP, "relative.svg"), "utf8")]).toEqual([0, svg]);
  });

  it.each([
    [[], "--stack or --plan is required; usage: npm run diagram -- --stack <name|all>"],
    [["--stack", "all", "--out", "x.svg"], "--stack all writes docs/architecture-<stack>.svg for each stack and takes no --out, --config-file or --plan"],
  ])("rejects %j with one line (exit 2)", (args, message) => {
    const run = cli("scripts/diagram.ts", ...args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  it("says what is wrong with a file that is not a plan (exit 1)", () => {
    const file = path.join(TMP, "not-a-plan.json");
    fs.writeFileSync(file, JSON.stringify({ project: "edge-mlops" }));
    const run = cli("scripts/diagram.ts", "--plan", file);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`diagram failed: ${file} is not a plan written by npm run plan -- --json (no resources list)`);
  });
});
