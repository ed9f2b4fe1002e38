/**
 * Marks the inference images in use so that the repository's lifecycle policy never expires one
 * (contracts/image-references.ts).
 *
 * Invoked by an EventBridge schedule; the event is not read. Environment (ImageReferencesEnvironment):
 * REPOSITORY_URI, CLUSTER_ARN, SERVICE_NAME, TASK_DEFINITION_FAMILY, COMPONENT_NAME_PREFIX.
 *
 * Reads first, writes after: the images named by the family's ACTIVE task definitions, by the task definitions
 * of the service's deployments and by the recipe of every version of the stack's private Greengrass components
 * (by name prefix), matched as `<REPOSITORY_URI>@sha256:<hex>` or `<REPOSITORY_URI>:<tag>`; then the repository's
 * images. Only when every read succeeded (DescribeServices answering for the service too) does it tag each named
 * digest `in-use-<hex>` (PutImage of the image's own manifest under the new tag) and remove the `in-use-` tags of
 * digests nothing names (BatchDeleteImage by tag: the image keeps its other tags). An image whose only tag is its
 * `in-use-` one keeps it, since removing an image's last tag deletes the image: it is reported under `onlyTag`.
 * Any AWS error is thrown before a write, or during the writes, which are idempotent: the next run completes them.
 * Every listing is bounded (MAX_PAGES pages).
 */
import { BatchDeleteImageCommand, BatchGetImageCommand, ECRClient, ImageAlreadyExistsException, ListImagesCommand, PutImageCommand, type ImageIdentifier } from "@aws-sdk/client-ecr";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { GetComponentCommand, GreengrassV2Client, ListComponentsCommand, ListComponentVersionsCommand } from "@aws-sdk/client-greengrassv2";
import * as z from "zod/mini";
import { digestOfInUseTag, inUseTag, IN_USE_TAG_PREFIX, type ImageReferencesEnvironment, type ImageReferencesResult } from "../../contracts/image-references";
import { escapeRegExp } from "../../contracts/patterns";
import { parseEnv } from "../shared/validation";

/** Most pages read from any one listing (100 × up to 1,000 items). */
export const MAX_PAGES = 100;

/** Manifest media types PutImage is given back (the image's own, whichever it is). */
const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

const Env: z.ZodMiniType<ImageReferencesEnvironment> = z.object({
  REPOSITORY_URI: z.string().check(z.regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9]+(?:[._/-][a-z0-9]+)*$/)),
  CLUSTER_ARN: z.string().check(z.regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/)),
  SERVICE_NAME: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}$/)),
  TASK_DEFINITION_FAMILY: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,255}$/)),
  COMPONENT_NAME_PREFIX: z.string().check(z.maxLength(128)),
});

export interface Clients {
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly greengrass: GreengrassV2Client;
}

/** Every item of a paginated listing; throws past MAX_PAGES pages rather than act on a partial list. */
async function all<T>(what: string, page: (nextToken: string | undefined) => Promise<{ items: readonly T[] | undefined; nextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const answer = await page(nextToken);
    items.push(...(answer.items ?? []));
    nextToken = answer.nextToken;
    if (!nextToken) return items;
  }
  throw new Error(`${what}: more than ${MAX_PAGES} pages; nothing was changed`);
}


/**
 * The images of the repository named in `text` (`<uri>:<tag>`, `<uri>@<digest>` or `<uri>:<tag>@<digest>`): the
 * digest where one is given, else the tag.
 */
export function referencesIn(text: string, repositoryUri: string): ImageIdentifier[] {
  const pattern = new RegExp(`${escapeRegExp(repositoryUri)}(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,299}))?(?:@(sha256:[0-9a-f]{64}))?`, "g");
  return [...text.matchAll(pattern)].flatMap((m): ImageIdentifier[] => (m[2] ? [{ imageDigest: m[2] }] : m[1] ? [{ imageTag: m[1] }] : []));
}

/** Where each image of the repository is named: `<where>` per reference, in the order found. */
async function namedImages(c: Clients, env: ImageReferencesEnvironment): Promise<{ where: string; id: ImageIdentifier }[]> {
  const found: { where: string; id: ImageIdentifier }[] = [];
  const family = env.TASK_DEFINITION_FAMILY;
  const active = await all("ListTaskDefinitions", async (nextToken) => {
    const r = await c.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", nextToken }));
    return { items: r.taskDefinitionArns, nextToken: r.nextToken };
  });
  const services = await c.ecs.send(new DescribeServicesCommand({ cluster: env.CLUSTER_ARN, services: [env.SERVICE_NAME] }));
  // A failure (MISSING, or any other reason) leaves the deployments unknown: act on nothing rather than on a part.
  const failure = services.failures?.[0];
  if (failure !== undefined || (services.services ?? []).length === 0) {
    throw new Error(`DescribeServices ${env.SERVICE_NAME}: ${failure ? `${failure.reason ?? "failure"}${failure.detail ? ` (${failure.detail})` : ""}` : "no service"}; nothing was changed`);
  }
  const deployed = (services.services ?? []).flatMap((s) => (s.deployments ?? []).map((d) => d.taskDefinition ?? ""));
  // familyPrefix matches longer family names too: keep this family's revisions only.
  const revisionOfFamily = new RegExp(`:task-definition/${escapeRegExp(family)}:\\d+$`);
  const ofFamily = (arn: string) => revisionOfFamily.test(arn);
  for (const arn of [...new Set([...active.filter(ofFamily), ...deployed.filter((a) => a !== "")])]) {
    const td = await c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    for (const container of td.taskDefinition?.containerDefinitions ?? []) {
      for (const id of referencesIn(container.image ?? "", env.REPOSITORY_URI)) found.push({ where: arn, id });
    }
  }
  if (env.COMPONENT_NAME_PREFIX === "") return found;
  const components = await all("ListComponents", async (nextToken) => {
    const r = await c.greengrass.send(new ListComponentsCommand({ scope: "PRIVATE", nextToken }));
    return { items: r.components, nextToken: r.nextToken };
  });
  for (const component of components.filter((x) => x.componentName?.startsWith(env.COMPONENT_NAME_PREFIX) && x.arn)) {
    const versions = await all(`ListComponentVersions ${component.componentName}`, async (nextToken) => {
      const r = await c.greengrass.send(new ListComponentVersionsCommand({ arn: component.arn, nextToken }));
      return { items: r.componentVersions, nextToken: r.nextToken };
    });
    for (const version of versions) {
      const got = await c.greengrass.send(new GetComponentCommand({ arn: version.arn, recipeOutputFormat: "JSON" }));
      const recipe = Buffer.from(got.recipe ?? new Uint8Array()).toString("utf8");
      for (const id of referencesIn(recipe, env.REPOSITORY_URI)) found.push({ where: `${component.componentName}@${version.componentVersion}`, id });
    }
  }
  return found;
}

/** One run against these clients and this environment. */
export async function markImagesInUse(c: Clients, env: ImageReferencesEnvironment): Promise<ImageReferencesResult> {
  const named = await namedImages(c, env);
  const repositoryName = env.REPOSITORY_URI.slice(env.REPOSITORY_URI.indexOf("/") + 1);
  const images = await all("ListImages", async (nextToken) => {
    const r = await c.ecr.send(new ListImagesCommand({ repositoryName, nextToken, maxResults: 1000 }));
    return { items: r.imageIds, nextToken: r.nextToken };
  });
  const digests = new Set(images.map((i) => i.imageDigest));
  const digestOfTag = new Map(images.filter((i) => i.imageTag).map((i) => [i.imageTag!, i.imageDigest!]));
  const inUse = new Set<string>();
  const missing: string[] = [];
  for (const { where, id } of named) {
    const digest = id.imageDigest ?? digestOfTag.get(id.imageTag!);
    if (digest !== undefined && digests.has(digest)) inUse.add(digest);
    else missing.push(`${where}: ${env.REPOSITORY_URI}${id.imageDigest ? `@${id.imageDigest}` : `:${id.imageTag}`}`);
  }
  const tagsNow = new Set(images.map((i) => i.imageTag).filter((t): t is string => t?.startsWith(IN_USE_TAG_PREFIX) === true));
  const toTag = [...inUse].sort().filter((d) => !tagsNow.has(inUseTag(d)));
  const tagCount = new Map<string, number>();
  for (const i of images) if (i.imageTag) tagCount.set(i.imageDigest!, (tagCount.get(i.imageDigest!) ?? 0) + 1);
  const unused = [...tagsNow].sort().filter((t) => {
    const d = digestOfInUseTag(t);
    return d === undefined || !inUse.has(d);
  });
  const onlyTag = unused.filter((t) => tagCount.get(digestOfTag.get(t)!) === 1);
  const toUntag = unused.filter((t) => !onlyTag.includes(t));

  for (const digest of toTag) {
    const got = await c.ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageDigest: digest }], acceptedMediaTypes: MANIFEST_TYPES }));
    const image = got.images?.[0];
    if (!image?.imageManifest) throw new Error(`BatchGetImage ${digest}: ${got.failures?.[0]?.failureReason ?? "no manifest"}`);
    try {
      await c.ecr.send(
        new PutImageCommand({ repositoryName, imageManifest: image.imageManifest, imageManifestMediaType: image.imageManifestMediaType, imageDigest: digest, imageTag: inUseTag(digest) }),
      );
    } catch (err) {
      // Tagged by an earlier run that failed later: the tag is there.
      if (!(err instanceof ImageAlreadyExistsException || (err as Error).name === "ImageAlreadyExistsException")) throw err;
    }
  }
  if (toUntag.length > 0) {
    const deleted = await c.ecr.send(new BatchDeleteImageCommand({ repositoryName, imageIds: toUntag.map((imageTag) => ({ imageTag })) }));
    const failed = (deleted.failures ?? []).filter((f) => f.failureCode !== "ImageNotFound" && f.failureCode !== "ImageTagDoesNotMatchDigest");
    if (failed.length > 0) throw new Error(`BatchDeleteImage: ${failed.map((f) => `${f.imageId?.imageTag}: ${f.failureCode} ${f.failureReason ?? ""}`.trim()).join("; ")}`);
  }
  const result = { inUse: [...inUse].sort(), tagged: toTag.map(inUseTag), untagged: toUntag, onlyTag, missing };
  console.log(JSON.stringify({ event: "images-in-use", repository: repositoryName, ...result }));
  return result;
}

const clients: Clients = { ecr: new ECRClient({}), ecs: new ECSClient({}), greengrass: new GreengrassV2Client({}) };

/** Lambda entry point: the scheduled event carries nothing this reads. */
export const handler = async (): Promise<ImageReferencesResult> => markImagesInUse(clients, parseEnv(Env, process.env));
