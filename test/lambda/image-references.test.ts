// image-references with aws-sdk-client-mock: the images a task definition of the service or a Greengrass component
// version names get their in-use tag, the tags of images nothing names any more go, and nothing is written unless
// every read succeeded.
import { BatchDeleteImageCommand, BatchGetImageCommand, ECRClient, ImageAlreadyExistsException, ListImagesCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { GetComponentCommand, GreengrassV2Client, ListComponentsCommand, ListComponentVersionsCommand } from "@aws-sdk/client-greengrassv2";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { digestOfInUseTag, inUseTag, type ImageReferencesEnvironment } from "../../contracts/image-references";
import { handler, markImagesInUse, MAX_PAGES, referencesIn } from "../../lambda/image-references/index";

const ecr = mockClient(ECRClient);
const ecs = mockClient(ECSClient);
const greengrass = mockClient(GreengrassV2Client);
const clients = { ecr: new ECRClient({ region: "eu-west-1" }), ecs: new ECSClient({ region: "eu-west-1" }), greengrass: new GreengrassV2Client({ region: "eu-west-1" }) };

const URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dev-repo-1a2b3c4";
const TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition";
const COMPONENT = "arn:aws:greengrass:eu-west-1:123456789012:components:com.edgemlops.Inference";
const ENV: ImageReferencesEnvironment = {
  REPOSITORY_URI: URI,
  CLUSTER_ARN: "arn:aws:ecs:eu-west-1:123456789012:cluster/dev-cluster-1a2b3c4",
  SERVICE_NAME: "dev-service-1a2b3c4",
  TASK_DEFINITION_FAMILY: "dev-inference",
  COMPONENT_NAME_PREFIX: "com.edgemlops.Inference",
};
const d = (c: string) => `sha256:${c.repeat(64)}`;
const recipe = (image: string) => new TextEncoder().encode(JSON.stringify({ Manifests: [{ Artifacts: [{ URI: `docker:${image}` }] }] }));

/** The repository: digests a..f, each with its content tag; `e` already marked in use, `f` marked but unused. */
function seedRepository(): void {
  ecr.on(ListImagesCommand).resolves({
    imageIds: [
      ...["a", "b", "c", "d", "e", "f"].map((c) => ({ imageDigest: d(c), imageTag: `content-${c}` })),
      { imageDigest: d("e"), imageTag: inUseTag(d("e")) },
      { imageDigest: d("f"), imageTag: inUseTag(d("f")) },
    ],
  });
  ecr.on(BatchGetImageCommand).callsFake((input: { imageIds: { imageDigest: string }[] }) => ({
    images: [{ imageId: input.imageIds[0], imageManifest: `{"manifest":"${input.imageIds[0].imageDigest}"}`, imageManifestMediaType: "application/vnd.oci.image.index.v1+json" }],
  }));
  ecr.on(PutImageCommand).resolves({});
  ecr.on(BatchDeleteImageCommand).resolves({ imageIds: [], failures: [] });
}

/** Where the images are named: rev 7 (ACTIVE, a), rev 6 (INACTIVE, still a deployment: b), another family's rev (c), two component versions (d by digest, e by tag). */
function seedReferences(): void {
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [`${TD}/dev-inference:7`, `${TD}/dev-inference-canary:2`] });
  ecs.on(DescribeServicesCommand).resolves({ services: [{ deployments: [{ taskDefinition: `${TD}/dev-inference:7` }, { taskDefinition: `${TD}/dev-inference:6` }] }] });
  const images: Record<string, string> = { "dev-inference:7": `${URI}@${d("a")}`, "dev-inference:6": `${URI}@${d("b")}`, "dev-inference-canary:2": `${URI}@${d("c")}` };
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
    taskDefinition: { containerDefinitions: [{ name: "inference", image: images[input.taskDefinition.split("/")[1]] }] },
  }));
  greengrass.on(ListComponentsCommand).resolves({
    components: [
      { componentName: "com.edgemlops.Inference", arn: COMPONENT },
      { componentName: "com.example.Other", arn: "arn:aws:greengrass:eu-west-1:123456789012:components:com.example.Other" },
    ],
  });
  greengrass.on(ListComponentVersionsCommand).resolves({
    componentVersions: [
      { componentVersion: "1.0.0-9f8e", arn: `${COMPONENT}:versions:1.0.0-9f8e` },
      { componentVersion: "1.0.0-7c6b", arn: `${COMPONENT}:versions:1.0.0-7c6b` },
    ],
  });
  greengrass.on(GetComponentCommand).callsFake((input: { arn: string }) => ({
    recipe: input.arn.endsWith("9f8e") ? recipe(`${URI}@${d("d")}`) : recipe(`${URI}:content-e`),
  }));
}

let log: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  for (const m of [ecr, ecs, greengrass]) m.reset();
  log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  seedRepository();
  seedReferences();
});
afterEach(() => log.mockRestore());

describe("image-references", () => {
  it("marks exactly the images a task definition of the service or a component version names", async () => {
    const result = await markImagesInUse(clients, ENV);
    expect(result).toEqual({
      inUse: [d("a"), d("b"), d("d"), d("e")],
      tagged: [inUseTag(d("a")), inUseTag(d("b")), inUseTag(d("d"))],
      untagged: [inUseTag(d("f"))],
      onlyTag: [],
      missing: [],
    });
    // The image's own manifest under the new tag: the digest does not change.
    expect(ecr.commandCalls(PutImageCommand).map((c) => c.args[0].input)).toEqual(
      ["a", "b", "d"].map((c) => ({
        repositoryName: "dev-repo-1a2b3c4",
        imageManifest: `{"manifest":"${d(c)}"}`,
        imageManifestMediaType: "application/vnd.oci.image.index.v1+json",
        imageDigest: d(c),
        imageTag: inUseTag(d(c)),
      })),
    );
    expect(ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input)).toEqual([{ repositoryName: "dev-repo-1a2b3c4", imageIds: [{ imageTag: inUseTag(d("f")) }] }]);
    // Another family's revision (dev-inference-canary) and another component are not read.
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)).toEqual([`${TD}/dev-inference:7`, `${TD}/dev-inference:6`]);
    expect(greengrass.commandCalls(ListComponentVersionsCommand).map((c) => c.args[0].input.arn)).toEqual([COMPONENT]);
    expect(JSON.parse(String(log.mock.calls[0][0]))).toMatchObject({ event: "images-in-use", repository: "dev-repo-1a2b3c4", tagged: result.tagged });
  });

  it("writes nothing when a read fails", async () => {
    greengrass.on(GetComponentCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(markImagesInUse(clients, ENV)).rejects.toThrow("Rate exceeded");
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it("writes nothing when DescribeServices does not answer for the service (its deployments are unknown)", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: "arn:aws:ecs:eu-west-1:123456789012:service/dev-cluster-1a2b3c4/dev-service-1a2b3c4", reason: "MISSING" }] });
    await expect(markImagesInUse(clients, ENV)).rejects.toThrow("DescribeServices dev-service-1a2b3c4: MISSING; nothing was changed");
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });

  it("leaves the mark on an unused image when it is that image's only tag: removing it would delete the image", async () => {
    ecr.on(ListImagesCommand).resolves({
      imageIds: [
        ...["a", "b", "d", "e"].map((c) => ({ imageDigest: d(c), imageTag: inUseTag(d(c)) })),
        { imageDigest: d("e"), imageTag: "content-e" },
        { imageDigest: d("f"), imageTag: inUseTag(d("f")) },
        { imageDigest: d("9"), imageTag: inUseTag(d("9")) },
        { imageDigest: d("9"), imageTag: "content-9" },
      ],
    });
    const result = await markImagesInUse(clients, ENV);
    expect(result).toMatchObject({ tagged: [], untagged: [inUseTag(d("9"))], onlyTag: [inUseTag(d("f"))] });
    expect(ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input.imageIds)).toEqual([[{ imageTag: inUseTag(d("9")) }]]);
  });

  it("writes nothing when a listing does not end within MAX_PAGES pages", async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [`${TD}/dev-inference:7`], nextToken: "more" });
    await expect(markImagesInUse(clients, ENV)).rejects.toThrow(`ListTaskDefinitions: more than ${MAX_PAGES} pages; nothing was changed`);
    expect(ecs.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(MAX_PAGES);
    expect(ecr.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it("reports an image that is named but no longer in the repository, and keeps going", async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { containerDefinitions: [{ name: "inference", image: `${URI}@${d("9")}` }] } });
    const result = await markImagesInUse(clients, { ...ENV, COMPONENT_NAME_PREFIX: "" });
    expect(result.missing).toEqual([`${TD}/dev-inference:7: ${URI}@${d("9")}`, `${TD}/dev-inference:6: ${URI}@${d("9")}`]);
    expect(result.untagged).toEqual([inUseTag(d("e")), inUseTag(d("f"))]);
    expect(greengrass.calls()).toHaveLength(0);
  });

  it("takes a tag another run already put there as done, and refuses other write errors", async () => {
    ecr.on(PutImageCommand).rejects(new ImageAlreadyExistsException({ message: "tag exists", $metadata: {} }));
    await expect(markImagesInUse(clients, ENV)).resolves.toMatchObject({ tagged: [inUseTag(d("a")), inUseTag(d("b")), inUseTag(d("d"))] });
    ecr.on(BatchDeleteImageCommand).resolves({ failures: [{ imageId: { imageTag: inUseTag(d("f")) }, failureCode: "KmsError", failureReason: "key disabled" }] });
    await expect(markImagesInUse(clients, ENV)).rejects.toThrow(`BatchDeleteImage: ${inUseTag(d("f"))}: KmsError key disabled`);
  });

  it("refuses a bad environment before any AWS call, naming the variable", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { ...ENV, REPOSITORY_URI: "docker.io/library/nginx" });
    try {
      await expect(handler()).rejects.toMatchObject({ name: "InvalidConfiguration", message: expect.stringContaining("env.REPOSITORY_URI") });
      expect([...ecr.calls(), ...ecs.calls(), ...greengrass.calls()]).toHaveLength(0);
    } finally {
      process.env = saved;
    }
  });
});

describe("references and tags", () => {
  it("finds the repository's images by digest, tag, or both, and no other repository's", () => {
    const text = `${URI}@${d("a")} ${URI}:v1 ${URI}:v2@${d("b")} ${URI}-other@${d("c")} 999988887777.dkr.ecr.eu-west-1.amazonaws.com/x@${d("d")} ${URI}`;
    expect(referencesIn(text, URI)).toEqual([{ imageDigest: d("a") }, { imageTag: "v1" }, { imageDigest: d("b") }]);
  });

  it("names each digest's tag and reads it back", () => {
    expect(inUseTag(d("a"))).toBe(`in-use-${"a".repeat(64)}`);
    expect(digestOfInUseTag(inUseTag(d("a")))).toBe(d("a"));
    expect(digestOfInUseTag("content-a")).toBeUndefined();
    expect(() => inUseTag("sha256:xyz")).toThrow('inUseTag: "sha256:xyz" is not an image digest (sha256:<64 lowercase hex digits>)');
  });
});
