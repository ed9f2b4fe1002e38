// The GitHub workflows: linted with action-validator (schema of GitHub's workflow syntax), then checked for the
// jobs and steps the review process depends on.
import * as fs from "node:fs";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const DIR = path.resolve(__dirname, "../../.github/workflows");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const load = (f: string) => parse(fs.readFileSync(path.join(DIR, f), "utf8")) as any;
const steps = (job: any) => job.steps as any[];
const uses = (job: any, action: string) => steps(job).find((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));

describe.each(files)("%s", (file) => {
  it("passes action-validator", () => {
    const result = validateWorkflow(fs.readFileSync(path.join(DIR, file), "utf8")) as { errors: unknown[] };
    expect(result.errors).toEqual([]);
  });
  it("holds no static cloud keys", () => {
    const text = fs.readFileSync(path.join(DIR, file), "utf8");
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}/);
  });
});

it("action-validator rejects a malformed workflow (the lint can fail)", () => {
  const result = validateWorkflow("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: not-a-list\n") as { errors: unknown[] };
  expect(result.errors.length).toBeGreaterThan(0);
});

describe("preview.yml", () => {
  const wf = load("preview.yml");

  it("runs on pull requests with read-only default permissions", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("previews every stack with the policy pack, commenting on the pull request, with OIDC credentials", () => {
    const job = wf.jobs.preview;
    expect(job.strategy.matrix.stack).toEqual(["dev", "staging", "prod"]);
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.permissions["id-token"]).toBe("write");
    expect(uses(job, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toMatch(/AWS_PREVIEW_ROLE_ARN/);
    const pulumi = uses(job, "pulumi/actions").with;
    expect(pulumi).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true, "edit-pr-comment": true, policyPacks: "policy" });
    expect(pulumi.policyPackConfigs).toBe("policy/config.${{ matrix.stack }}.json");
    expect(pulumi["stack-name"]).toMatch(/\$\{\{ matrix.stack \}\}$/);
  });

  it("gives every pull request, forks included, an offline plan diff without credentials", () => {
    const job = wf.jobs["offline-plan"];
    expect(job.if).toBeUndefined();
    expect(job.permissions).toBeUndefined(); // inherits contents: read; no id-token, no secrets
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    const run = steps(job).map((s) => s.run ?? "").join("\n");
    expect(run).toMatch(/npm run plan --silent -- --stack "\$\{\{ matrix.stack \}\}" --json "\$RUNNER_TEMP\/base.json"/);
    expect(run).toMatch(/--diff "\$RUNNER_TEMP\/base.json" --markdown/);
    expect(uses(job, "actions/upload-artifact").with.name).toBe("offline-plan-${{ matrix.stack }}");
  });
});

describe("offline-plan-comment.yml", () => {
  const wf = load("offline-plan-comment.yml");
  it("comments from the base repository after the preview workflow, without checking out pull request code", () => {
    expect(wf.on.workflow_run).toEqual({ workflows: ["preview"], types: ["completed"] });
    expect(wf.permissions["pull-requests"]).toBe("write");
    const job = wf.jobs.comment;
    expect(uses(job, "actions/checkout")).toBeUndefined();
    expect(uses(job, "actions/download-artifact").with.pattern).toBe("offline-plan-*");
    expect(uses(job, "actions/github-script").with.script).toMatch(/updateComment[\s\S]*createComment/);
  });
});

describe("deploy.yml and pulumi-up.yml", () => {
  const deploy = load("deploy.yml");
  const up = load("pulumi-up.yml");
  it("updates dev, then staging, then prod on pushes to main", () => {
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.jobs.dev.needs).toBeUndefined();
    expect(deploy.jobs.staging.needs).toBe("dev");
    expect(deploy.jobs.prod.needs).toBe("staging");
    for (const stack of ["dev", "staging", "prod"]) expect(deploy.jobs[stack]).toMatchObject({ uses: "./.github/workflows/pulumi-up.yml", with: { stack } });
  });
  it("runs each update in the stack's GitHub environment (prod's has required reviewers) with OIDC and the policy pack", () => {
    const job = up.jobs.up;
    expect(job.environment).toBe("${{ inputs.stack }}");
    expect(job.permissions["id-token"]).toBe("write");
    expect(uses(job, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    expect(uses(job, "pulumi/actions").with).toMatchObject({ command: "up", policyPacks: "policy", policyPackConfigs: "policy/config.${{ inputs.stack }}.json" });
    const offline = steps(job).findIndex((s) => /npm run plan/.test(s.run ?? ""));
    const cloud = steps(job).findIndex((s) => (s.uses ?? "").startsWith("aws-actions/"));
    expect(offline).toBeGreaterThan(-1);
    expect(offline).toBeLessThan(cloud);
  });
});
