/**
 * The edge-mlops CrossGuard policy pack:
 *
 *   pulumi preview --policy-pack policy --policy-pack-config policy/config.<env>.json
 *
 * Without a config file every policy is enforced at its prod level. The pack runs on the
 * project's own node_modules and package.json (no separate install).
 */
import * as path from "node:path";
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./crossguard";

// PolicyPack reads its version from package.json in the working directory, which the CLI sets to
// this folder; the pack shares the project's package.json one level up.
const workingDirectory = process.cwd();
process.chdir(path.resolve(__dirname, ".."));
try {
  new PolicyPack(PACK_NAME, {
    description: "Guardrails of the edge-mlops platform: encryption, least privilege, logging, private networking, data protection.",
    policies: policies(),
    enforcementLevel: "mandatory",
  });
} finally {
  process.chdir(workingDirectory);
}
