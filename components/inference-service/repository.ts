// The inference image's home: an ECR repository (immutable tags, scan on push, encrypted, never force-deleted) with a
// lifecycle policy, and the image the tasks run. By default the component builds service/ with the Docker provider,
// tags the image by the content of its build inputs and pushes it with a short-lived ECR token; the tasks then run it
// by digest. With `image.existing` (an ECR image pinned by digest, which the deploy workflow builds once per commit and
// promotes through the stacks) nothing is built and that image runs; if it lives in another ECR repository, the
// execution role may pull from that one too.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ecrLifecyclePolicy } from "./policies";
import type { InferenceServiceSettings } from "./resolve";
import * as awsEcr from "@pulumi/aws/ecr";

export interface InferenceImage {
  readonly repository: awsEcr.Repository;
  /** The image built from service/, when the component builds it. */
  readonly image?: docker.Image;
  /** The image the tasks run, pinned by digest (`<repository>@sha256:<hex>`). */
  readonly imageRef: pulumi.Output<string>;
  /** The repositories the execution role pulls from: the component's own and, for an existing ECR image, its one. */
  readonly pullRepositoryArns: pulumi.Output<string[]>;
}

/** Registers `<name>-repo`, `<name>-repo-lifecycle` and, for a build, `<name>-image` under `parent`. */
export function repositoryAndImage(
  parent: pulumi.Resource,
  name: string,
  s: Pick<InferenceServiceSettings, "kmsKeyArn" | "keepImages" | "protect" | "image" | "platform">,
  partition: pulumi.Input<string>,
): InferenceImage {
  const repository = new awsEcr.Repository(
    `${name}-repo`,
    {
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [s.kmsKeyArn !== undefined ? { encryptionType: "KMS", kmsKey: s.kmsKeyArn } : { encryptionType: "AES256" }],
      forceDelete: false,
    },
    // Unset rather than false when not protected, so that a caller's `protect` on the component still reaches it.
    s.protect ? { parent, protect: true } : { parent },
  );
  new awsEcr.LifecyclePolicy(`${name}-repo-lifecycle`, { repository: repository.name, policy: JSON.stringify(ecrLifecyclePolicy(s.keepImages)) }, { parent });

  const built = s.image;
  if (built.kind === "existing") {
    const ecr = built.ecr;
    const pullRepositoryArns = pulumi.all([repository.arn, partition]).apply(([own, p]) => {
      const other = `arn:${p}:ecr:${ecr.region}:${ecr.account}:repository/${ecr.name}`;
      return other !== own ? [own, other] : [own];
    });
    return { repository, imageRef: pulumi.output(built.ref), pullRepositoryArns };
  }
  const token = awsEcr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent });
  const image = new docker.Image(
    `${name}-image`,
    {
      imageName: pulumi.interpolate`${repository.repositoryUrl}:${built.tag}`,
      build: { context: built.context, dockerfile: built.dockerfile, platform: s.platform },
      registry: { server: repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
    },
    { parent },
  );
  return { repository, image, imageRef: image.repoDigest, pullRepositoryArns: repository.arn.apply((arn) => [arn]) };
}
