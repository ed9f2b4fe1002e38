// The inference image's tag for the working tree: the content hash of what service/Dockerfile copies
// (components/inference-service: SERVICE_BUILD_INPUTS, imageContentTag), the same tag the component gives an image
// it builds. The deploy workflow's build job tags the image it pushes with it, so a commit that changes no build
// input finds its image already pushed and promotes that same digest: the image (and with it the ECS task definition
// and the devices' Greengrass component) changes only when the server code or its packages change.
//
//   npm run --silent image-tag        # prints 16 hex digits
import * as path from "node:path";
import { SERVICE_BUILD_INPUTS } from "../components/inference-service/args";
import { imageContentTag } from "../components/inference-service/image";

/** The tag of the image built from `root` (the repository root, the build context). */
export function serviceImageTag(root: string): string {
  return imageContentTag(root, SERVICE_BUILD_INPUTS);
}

if (require.main === module) {
  console.log(serviceImageTag(path.resolve(__dirname, "..")));
}
