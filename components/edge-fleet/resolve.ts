// An EdgeFleet's args and how they become the settings its builders read: the schema (./args.ts) applies defaults and
// judges every range and rule; this module adds what the schema cannot know (the stack's name for the default root
// group, the environment tier, the CSR files on disk) and fails with an ArgError naming the arg before anything is
// registered.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { ENVIRONMENTS, type Environment } from "../../contracts/environments";
import { argError, resolveArgs } from "../args";
import {
  defaultRootGroupName,
  edgeFleetSettings,
  roleAliasName,
  TEMPLATE_NAME_SUFFIX,
  type EdgeFleetSettings,
  type EdgeFleetSettingsInput,
} from "./args";
import { incomingPrefixProblem, type TelemetryWiring } from "./telemetry";
import { resolveEdgeFleetMonitoring, type EdgeFleetMonitoringArgs, type EdgeFleetMonitoringSettings } from "./monitoring";

const COMPONENT = "EdgeFleet";

/** The repository root: where `csrBaseDir` is resolved from. */
export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

/** What an EdgeFleet takes besides its settings: the stack it belongs to and what other components hand it. */
export interface EdgeFleetWiring {
  /** Stack name; names the default root group `edge-mlops-<stack>`. */
  readonly stack: string;
  /** Environment tier. prod forbids keys generated into state. */
  readonly environment: Environment;
  /** Protect the component artifact bucket: the stack's `protect`. @default false */
  readonly protect?: boolean;
  /** Image of the inference service in private ECR, `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<digest>` (or `docker:` + that). */
  readonly inferenceImage: pulumi.Input<string>;
  /** ECR repositories devices may pull from; must include the inference image's repository. */
  readonly ecrRepositoryArns: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The stack's model store bucket (`arn:<partition>:s3:::<bucket>`): devices may read its `releases/` prefix through
   * the token exchange role, where the release workflow's model components keep their artifacts.
   * @default undefined (devices read no model: the release workflow cannot deploy models to them)
   */
  readonly modelBucketArn?: pulumi.Input<string | undefined>;
  /**
   * The stack's alarm topic (and its key) and thresholds: with it, Greengrass deployment failures and failing IoT job
   * executions reach the topic, and an alarm says when EventBridge cannot deliver them.
   * @default undefined (fleet events reach no topic; the dashboard widgets still exist)
   */
  readonly monitoring?: EdgeFleetMonitoringArgs;
  /**
   * Where device telemetry lands (./telemetry.ts): the training data bucket and the prefix the continuous-training DAG
   * ingests. With it, two IoT rules land devices' samples there and their metrics in CloudWatch.
   * @default undefined (devices' telemetry messages reach no rule)
   */
  readonly telemetry?: TelemetryWiring;
}

/** The args of an EdgeFleet: its settings (./args.ts, defaults optional) and its wiring. */
export type EdgeFleetArgs = EdgeFleetSettingsInput & EdgeFleetWiring;

/** How a certificate is made: from a CSR file (the key stays on the device) or from a key generated into state. */
export type DeviceKey = { readonly kind: "csr"; readonly file: string; readonly pem: string } | { readonly kind: "generated" };

/** How the claim certificate is made, if at all. */
export type ClaimCertificate = DeviceKey | { readonly kind: "none" };

export type ProvisioningSettings =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly serialNumberPattern: string;
      readonly templateName: string;
      readonly claim: ClaimCertificate;
      readonly devicesUseCsr: boolean;
    };

/** The settings an EdgeFleet is built from: defaults applied, names derived, CSR files read. */
export interface ResolvedEdgeFleet extends Omit<EdgeFleetSettings, "rootGroupName" | "csrBaseDir" | "devices" | "provisioning"> {
  readonly stack: string;
  readonly environment: Environment;
  readonly rootGroupName: string;
  readonly roleAliasName: string;
  readonly devices: readonly { readonly name: string; readonly group?: string; readonly canary: boolean; readonly key: DeviceKey }[];
  readonly provisioning: ProvisioningSettings;
  readonly protect: boolean;
  /** Absent without the `monitoring` arg. */
  readonly monitoring?: EdgeFleetMonitoringSettings;
}

const PEM_CSR = /^-----BEGIN CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE REQUEST-----\r?\n?$/;

/**
 * Reads a PEM certificate signing request.
 * @throws ArgError naming `arg` when the file is missing or unreadable, holds anything but exactly one CSR, or holds a
 * private key (which must never reach Pulumi state).
 */
export function readCsrFile(arg: string, baseDir: string, file: string): string {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (err) {
    return argError(COMPONENT, arg, `${JSON.stringify(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; resolved to ${full})`);
  }
  if (text.includes("PRIVATE KEY")) {
    argError(COMPONENT, arg, `${JSON.stringify(file)} contains a private key; give only the CSR (the key must stay on the device)`);
  }
  const body = PEM_CSR.exec(text.trim() + "\n");
  const der = body ? Buffer.from(body[1].replace(/\s+/g, ""), "base64") : undefined;
  // A DER CSR is an ASN.1 SEQUENCE (tag 0x30) of at least a few dozen bytes.
  if (!der || der.length < 64 || der[0] !== 0x30) {
    argError(COMPONENT, arg, `${JSON.stringify(file)} is not a PEM certificate signing request (one -----BEGIN CERTIFICATE REQUEST----- block; make it with edge/device-csr.sh)`);
  }
  return text;
}

/**
 * The settings an EdgeFleet is built from. The default root group `edge-mlops-<stack>` goes through the schema like a
 * given one, so the names derived from it (role alias, provisioning template) are checked the same way.
 * @throws ArgError naming the first bad arg; reads the CSR files.
 */
export function resolveEdgeFleetArgs(args: EdgeFleetArgs): ResolvedEdgeFleet {
  if (typeof args.stack !== "string" || args.stack === "") argError(COMPONENT, "stack", "must be the stack's name");
  if (!(ENVIRONMENTS as readonly string[]).includes(args.environment)) {
    argError(COMPONENT, "environment", `must be one of ${ENVIRONMENTS.join(", ")}, got ${JSON.stringify(args.environment)}`);
  }
  if (args.telemetry !== undefined) {
    const problem = incomingPrefixProblem(args.telemetry.incomingPrefix);
    if (problem) argError(COMPONENT, "telemetry.incomingPrefix", problem);
  }
  const rootGroupName = args.rootGroupName ?? defaultRootGroupName(args.stack);
  const { csrBaseDir, devices, provisioning, ...settings } = resolveArgs(COMPONENT, edgeFleetSettings, { ...args, rootGroupName });
  if (settings.allowGeneratedKeys && args.environment === "prod") {
    argError(COMPONENT, "allowGeneratedKeys", "must be false when environment is prod (private keys would be stored in Pulumi state)");
  }
  const baseDir = path.resolve(REPOSITORY_ROOT, csrBaseDir);
  const csr = (arg: string, file: string): DeviceKey => ({ kind: "csr", file, pem: readCsrFile(arg, baseDir, file) });
  const p = provisioning;
  return {
    ...settings,
    stack: args.stack,
    environment: args.environment,
    rootGroupName,
    roleAliasName: roleAliasName(rootGroupName),
    devices: devices.map((d, i) => ({
      name: d.name,
      ...(d.group !== undefined ? { group: d.group } : {}),
      canary: d.canary,
      key: d.csrFile !== undefined ? csr(`devices[${i}].csrFile`, d.csrFile) : { kind: "generated" },
    })),
    provisioning: p.enabled
      ? {
          enabled: true,
          serialNumberPattern: p.serialNumberPattern,
          templateName: p.templateName ?? `${rootGroupName}${TEMPLATE_NAME_SUFFIX}`,
          claim: p.claimCsrFile !== undefined ? csr("provisioning.claimCsrFile", p.claimCsrFile) : settings.allowGeneratedKeys ? { kind: "generated" } : { kind: "none" },
          devicesUseCsr: p.devicesUseCsr,
        }
      : { enabled: false },
    protect: args.protect ?? false,
    monitoring: resolveEdgeFleetMonitoring(args.monitoring),
  };
}
