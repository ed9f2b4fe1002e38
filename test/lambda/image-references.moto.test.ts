// image-references against moto's ECR and ECS on 127.0.0.1: images are put into a repository through the real AWS
// SDK, task definitions and a service name them by digest, and the function's tagging (PutImage of the image's own
// manifest under a new tag) and untagging (BatchDeleteImage by tag) go over the wire. moto has no Greengrass V2, so
// ListComponents is answered by aws-sdk-client-mock (no components).
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, CreateServiceCommand, DeregisterTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { GreengrassV2Client, ListComponentsCommand } from "@aws-sdk/client-greengrassv2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { inUseTag } from "../../contracts/image-references";
import { markImagesInUse } from "../../lambda/image-references/index";
import { clientConfig, motoServerForFile } from "../support/moto";

const moto = motoServerForFile();
const greengrassMock = mockClient(GreengrassV2Client);
let ecr: ECRClient;
let ecs: ECSClient;
let uri = "";
let clusterArn = "";
const digests: string[] = [];

/** A small image manifest whose content differs per `n` (moto derives the digest from its layers' digests). */
const manifest = (n: number) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 100 + n, digest: `sha256:${String(n).padStart(64, "0")}` },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1000 + n, digest: `sha256:${String(n).repeat(64).slice(0, 64)}` }],
  });

const tagsOf = async () => {
  const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "dev-repo" }));
  return Object.fromEntries((imageDetails ?? []).map((i) => [i.imageDigest!, [...(i.imageTags ?? [])].sort()]));
};

const register = async (revisionOf: number) =>
  (await ecs.send(new RegisterTaskDefinitionCommand({ family: "dev-inference", containerDefinitions: [{ name: "inference", image: `${uri}@${digests[revisionOf]}`, memory: 512 }] })))
    .taskDefinition!.taskDefinitionArn!;

const env = () => ({ REPOSITORY_URI: uri, CLUSTER_ARN: clusterArn, SERVICE_NAME: "dev-service", TASK_DEFINITION_FAMILY: "dev-inference", COMPONENT_NAME_PREFIX: "com.edgemlops.Inference" });
const clients = () => ({ ecr, ecs, greengrass: new GreengrassV2Client({ region: "eu-west-1" }) });

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  ecr = new ECRClient(clientConfig(moto()));
  ecs = new ECSClient(clientConfig(moto()));
  greengrassMock.on(ListComponentsCommand).resolves({ components: [] });
  uri = (await ecr.send(new CreateRepositoryCommand({ repositoryName: "dev-repo" }))).repository!.repositoryUri!;
  for (const n of [1, 2, 3]) {
    const put = await ecr.send(new PutImageCommand({ repositoryName: "dev-repo", imageManifest: manifest(n), imageTag: `content-${n}` }));
    digests[n] = put.image!.imageId!.imageDigest!;
  }
  clusterArn = (await ecs.send(new CreateClusterCommand({ clusterName: "dev-cluster" }))).cluster!.clusterArn!;
});

describe("image-references against moto", () => {
  it("tags the images the service's task definitions name, and only those", async () => {
    const first = await register(1);
    await register(2);
    await ecs.send(new CreateServiceCommand({ cluster: clusterArn, serviceName: "dev-service", taskDefinition: first, desiredCount: 0 }));
    const result = await markImagesInUse(clients(), env());
    expect(result.tagged).toEqual([digests[1], digests[2]].sort().map(inUseTag));
    expect(await tagsOf()).toEqual({
      [digests[1]]: ["content-1", inUseTag(digests[1])].sort(),
      [digests[2]]: ["content-2", inUseTag(digests[2])].sort(),
      [digests[3]]: ["content-3"],
    });
    // A second run finds everything marked: nothing to write.
    expect(await markImagesInUse(clients(), env())).toMatchObject({ tagged: [], untagged: [] });
  });

  it("removes the mark of an image nothing names any more; the image stays with its content tag", async () => {
    // Revision 2 (image 2) is deregistered and no deployment runs it.
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "dev-inference:2" }));
    const result = await markImagesInUse(clients(), env());
    expect(result.untagged).toEqual([inUseTag(digests[2])]);
    expect((await tagsOf())[digests[2]]).toEqual(["content-2"]);
    expect((await tagsOf())[digests[1]]).toContain(inUseTag(digests[1]));
  });
});
