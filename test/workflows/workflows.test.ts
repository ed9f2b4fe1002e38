// The GitHub workflows: linted with action-validator (schema of GitHub's workflow syntax), then checked for the
// jobs and steps the review process depends on.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
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
    const pulumi = steps(job).find((st) => st.uses?.startsWith("pulumi/actions") && st.with?.command !== undefined)!.with;
    expect(pulumi).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true, "edit-pr-comment": true, policyPacks: "policy" });
    expect(pulumi.policyPackConfigs).toBe("policy/config.${{ matrix.stack }}.json");
    expect(pulumi["stack-name"]).toMatch(/\$\{\{ matrix.stack \}\}$/);
  });

  it("previews with the image the stack runs, set before the preview as the deploy sets the promoted one", () => {
    const job = wf.jobs.preview;
    const all = steps(job);
    const setImage = all.findIndex((st) => /pulumi stack output imageRef --stack "\$STACK"/.test(st.run ?? ""));
    const preview = all.findIndex((st) => st.uses?.startsWith("pulumi/actions") && st.with?.command === "preview");
    expect(setImage).toBeGreaterThan(0);
    expect(all[setImage].run).toMatch(/pulumi config set --stack "\$STACK" --path 'edge-mlops:inference.image.existing' "\$image"/);
    expect(setImage).toBeLessThan(preview);
    expect(job.env.STACK).toBe("${{ vars.PULUMI_ORG }}/${{ matrix.stack }}");
  });

  it("gives every pull request, forks included, an offline plan diff without credentials", () => {
    const job = wf.jobs["offline-plan"];
    expect(job.if).toBeUndefined();
    expect(job.permissions).toBeUndefined(); // inherits contents: read; no id-token, no secrets
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    const run = steps(job).map((s) => s.run ?? "").join("\n");
    expect(run).toMatch(/npm run plan --silent -- --stack "\$\{\{ matrix.stack \}\}" --json "\$RUNNER_TEMP\/base.json"/);
    expect(run).toMatch(/--diff "\$RUNNER_TEMP\/base.json" --markdown/);
    // A base branch that does not plan leaves no base.json: the pull request's plan is commented without a diff.
    expect(run).toMatch(/if \[ -f "\$RUNNER_TEMP\/base.json" \]; then/);
    expect(run).toMatch(/the base branch does not plan: no diff/);
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
  const job = up.jobs.up;
  const at = (pred: (s: any) => boolean) => steps(job).findIndex(pred);
  const IMAGE = "${{ needs.build.outputs.image }}";

  it("builds the image once, then promotes the same digest through dev, then staging, then prod, on pushes to main", () => {
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    expect(Object.keys(deploy.jobs)).toEqual(["build", "dev", "staging", "prod"]);
    expect(deploy.jobs.build.needs).toBeUndefined();
    expect(deploy.jobs.dev.needs).toBe("build");
    expect(deploy.jobs.staging.needs).toEqual(["build", "dev"]);
    expect(deploy.jobs.prod.needs).toEqual(["build", "staging"]);
    for (const stack of ["dev", "staging", "prod"]) {
      expect(deploy.jobs[stack]).toEqual({ needs: deploy.jobs[stack].needs, uses: "./.github/workflows/pulumi-up.yml", with: { stack, image: IMAGE }, secrets: "inherit" });
    }
  });

  it("the build job pushes once per content of the build inputs, tagged by it, and outputs the image pinned by digest", () => {
    const build = deploy.jobs.build;
    expect(build.outputs.image).toBe("${{ steps.image.outputs.image }}");
    expect(build.permissions["id-token"]).toBe("write");
    expect(uses(build, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toBe("${{ vars.AWS_BUILD_ROLE_ARN }}");
    const push = uses(build, "docker/build-push-action");
    expect(push.with).toMatchObject({ context: ".", file: "service/Dockerfile", push: true, tags: "${{ vars.INFERENCE_IMAGE_REPOSITORY }}:${{ steps.tag.outputs.tag }}" });
    expect(steps(build).find((s) => s.id === "tag").run).toBe('echo "tag=$(npm run --silent image-tag)" >> "$GITHUB_OUTPUT"');
    // The same content (or a re-run) finds its image instead of pushing an immutable tag again.
    const pushed = steps(build).find((s) => s.id === "pushed");
    expect(pushed.env.TAG).toBe("${{ steps.tag.outputs.tag }}");
    expect(pushed.run).toMatch(/aws ecr describe-images[\s\S]*imageTag="\$TAG"/);
    expect(push.if).toBe("steps.pushed.outputs.digest == ''");
    const image = steps(build).find((s) => s.id === "image");
    expect(image.env.DIGEST).toBe("${{ steps.pushed.outputs.digest || steps.build.outputs.digest }}");
    expect(steps(build).indexOf(image)).toBe(steps(build).length - 1);
  });

  it("the digest check of the build job refuses anything but a sha256 digest", () => {
    const script = steps(deploy.jobs.build).find((s) => s.id === "image").run as string;
    const run = (digest: string) => {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "deploy-")), "output");
      const r = spawnSync("bash", ["-e", "-c", script], { env: { PATH: process.env.PATH, DIGEST: digest, REPOSITORY: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference", TAG: "468996ddb51d634a", GITHUB_OUTPUT: out }, encoding: "utf8" });
      return { status: r.status, output: fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "", stdout: r.stdout };
    };
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(run(digest)).toEqual({ status: 0, output: `image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/edge-mlops/inference@${digest}\n`, stdout: "" });
    expect(run("")).toEqual({ status: 1, output: "", stdout: "::error::no image digest for tag 468996ddb51d634a (got '')\n" });
    expect(run("None").status).toBe(1);
  });

  it("each stage runs the given image, then pulumi up in the stack's GitHub environment with OIDC and the policy pack, then the gate", () => {
    expect(up.on.workflow_call.inputs.image).toMatchObject({ required: true, type: "string" });
    expect(job.environment).toBe("${{ inputs.stack }}");
    expect(job.permissions["id-token"]).toBe("write");
    expect(uses(job, "aws-actions/configure-aws-credentials").with["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    const setImage = at((s) => /pulumi config set/.test(s.run ?? ""));
    expect(steps(job)[setImage].run).toBe(`pulumi config set --stack "$STACK" --path 'edge-mlops:inference.image.existing' "$IMAGE"`);
    expect(steps(job)[setImage].env.IMAGE).toBe("${{ inputs.image }}");
    const offline = at((s) => /npm run plan/.test(s.run ?? ""));
    const cloud = at((s) => (s.uses ?? "").startsWith("aws-actions/"));
    const pulumiUp = at((s) => s.with?.command === "up");
    const gate = at((s) => /npm run gate/.test(s.run ?? ""));
    expect(steps(job)[pulumiUp].with).toMatchObject({ command: "up", policyPacks: "policy", policyPackConfigs: "policy/config.${{ inputs.stack }}.json" });
    // The image is set before the offline plan checks it, credentials come after it, the gate after pulumi up, last.
    expect([setImage, offline, cloud, pulumiUp, gate].every((i, k, all) => i > -1 && (k === 0 || all[k - 1]! < i))).toBe(true);
    expect(gate).toBe(steps(job).length - 1);
    expect(steps(job)[gate].run).toMatch(/pulumi stack output --json --stack "\$STACK" > "\$RUNNER_TEMP\/outputs.json"\n/);
    expect(steps(job)[gate].run).toMatch(/npm run gate --silent -- --stack "\$\{\{ inputs.stack \}\}" --outputs "\$RUNNER_TEMP\/outputs.json"/);
    expect(steps(job)[gate].if).toBeUndefined();
  });

  it("a stage runs where it can reach the stack's load balancer: DEPLOY_RUNNER_<stack> when set", () => {
    expect(job["runs-on"]).toBe("${{ vars[format('DEPLOY_RUNNER_{0}', inputs.stack)] || 'ubuntu-latest' }}");
  });
});
