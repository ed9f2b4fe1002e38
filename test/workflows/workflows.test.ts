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
    expect(steps(job).at(-1).with.script).toMatch(/updateComment[\s\S]*createComment/);
  });
  it("posts only to the open pull request whose head is the run's head SHA, found through the API, never from the artifact", () => {
    const job = wf.jobs.comment;
    const find = steps(job).find((s) => s.id === "pr");
    const post = steps(job).at(-1);
    expect(find.env.HEAD_SHA).toBe("${{ github.event.workflow_run.head_sha }}");
    expect(find.with.script).toMatch(/listPullRequestsAssociatedWithCommit/);
    expect(find.with.script).toMatch(/pr\.head\.sha === sha/);
    expect(find.with.script).toMatch(/found\.size !== 1/);
    expect(post.env.PR_NUMBER).toBe("${{ steps.pr.outputs.number }}");
    // Nothing read from the downloaded artifact decides the issue number.
    const text = JSON.stringify(job);
    expect(text).not.toMatch(/pr-number/);
    expect(post.with.script).not.toMatch(/readFileSync\([^)]*\)[^;]*issue_number/);
    expect(steps(job).findIndex((s) => s.id === "pr")).toBeLessThan(steps(job).indexOf(post));
  });
  // The finding script itself, run with a recorded GitHub API: only a pull request whose head is the run's head SHA counts.
  async function findPullRequest(pulls: { number: number; sha: string; base?: string; state?: string }[], payloadNumbers: number[] = []) {
    const script = steps(wf.jobs.comment).find((s) => s.id === "pr").with.script as string;
    const pr = (p: (typeof pulls)[number]) => ({ number: p.number, state: p.state ?? "open", head: { sha: p.sha }, base: { repo: { full_name: p.base ?? "acme/edge-mlops" } } });
    const outputs: Record<string, string> = {};
    const failures: string[] = [];
    const github = {
      paginate: async (fn: (a: unknown) => Promise<{ data: unknown[] }>, args: unknown) => (await fn(args)).data,
      rest: {
        pulls: { list: async () => ({ data: pulls.map(pr) }), get: async ({ pull_number }: { pull_number: number }) => ({ data: pr(pulls.find((p) => p.number === pull_number)!) }) },
        repos: { listPullRequestsAssociatedWithCommit: async () => ({ data: [] }) },
      },
    };
    const context = { repo: { owner: "acme", repo: "edge-mlops" }, payload: { workflow_run: { pull_requests: payloadNumbers.map((number) => ({ number })) } } };
    const core = { setOutput: (k: string, v: string) => (outputs[k] = v), setFailed: (m: string) => failures.push(m) };
    const env = { HEAD_SHA: "c0ffee", HEAD_BRANCH: "feature", HEAD_OWNER: "forker" };
    Object.assign(process.env, env);
    try {
      await new Function("github", "context", "core", "process", `return (async () => {${script}})();`)(github, context, core, process);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
    return { number: outputs.number, failures };
  }
  it("finds the fork's pull request by the run's head SHA and refuses a stale, foreign or ambiguous match", async () => {
    expect(await findPullRequest([{ number: 7, sha: "c0ffee" }])).toEqual({ number: "7", failures: [] });
    expect(await findPullRequest([{ number: 7, sha: "0ld5ha" }])).toEqual({ number: undefined, failures: ["expected exactly one open pull request of acme/edge-mlops with head c0ffee, found 0: not commenting"] });
    expect((await findPullRequest([{ number: 7, sha: "c0ffee", base: "other/repo" }])).number).toBeUndefined();
    expect((await findPullRequest([{ number: 7, sha: "c0ffee", state: "closed" }])).number).toBeUndefined();
    expect((await findPullRequest([{ number: 7, sha: "c0ffee" }, { number: 8, sha: "c0ffee" }])).failures[0]).toMatch(/found 2: not commenting$/);
  });
  it("the preview workflow no longer hands a pull request number to the commenting workflow", () => {
    expect(fs.readFileSync(path.join(DIR, "preview.yml"), "utf8")).not.toMatch(/pr-number/);
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
