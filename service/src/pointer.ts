/**
 * MODEL_POINTER: the name of the SSM String parameter (contracts/model-release.ts,
 * `/edge-mlops/<stack>/inference/current-model`) whose value is the s3:// URI of the model the cloud
 * service serves. The release workflow moves it; the server reads it once at start. Every failure is
 * a ModelError naming the parameter, so main.ts logs one line and exits non-zero (the ECS deployment
 * circuit breaker then keeps the old tasks).
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { ModelError, parseModelUri } from "./model";

/** SSM parameter names: 1-2048 characters of a-z A-Z 0-9 _ . - / (SSM's PutParameter rule). */
const PARAMETER_NAME = /^[A-Za-z0-9_./-]{1,2048}$/;

/**
 * Reads the pointer and returns the s3:// URI it holds. `ssm` makes the SSM client (tests pass one); by default one of
 * the SDK's default configuration, its module loaded only here (a device or a local run never needs it).
 * @throws ModelError naming the parameter and the problem.
 */
export async function resolveModelPointer(name: string, ssm?: () => SSMClient): Promise<string> {
  if (!PARAMETER_NAME.test(name)) {
    throw new ModelError(`MODEL_POINTER ${JSON.stringify(name)}: must be an SSM parameter name (1-2048 characters of a-z A-Z 0-9 _ . - /)`);
  }
  let value: string | undefined;
  try {
    const sdk = await import("@aws-sdk/client-ssm");
    value = (await (ssm ? ssm() : new sdk.SSMClient({})).send(new sdk.GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (err) {
    const e = err as Error;
    throw new ModelError(`MODEL_POINTER ${name}: cannot read: ${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`);
  }
  if (!value) throw new ModelError(`MODEL_POINTER ${name}: the parameter has no value; expected s3://<bucket>/<key>`);
  let location;
  try {
    location = parseModelUri(value);
  } catch (err) {
    throw new ModelError(`MODEL_POINTER ${name}: ${(err as Error).message.replace(/^MODEL_URI /, "value ")}`);
  }
  if (location.kind !== "s3") throw new ModelError(`MODEL_POINTER ${name}: value ${JSON.stringify(value)} must be s3://<bucket>/<key>`);
  return value;
}
