// MODEL_POINTER against a mocked SSM client: the pointer's s3:// URI is returned; a missing parameter, an empty
// value or a value that is not an S3 URI is one ModelError naming the parameter.
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { resolveModelPointer } from "../../service/src/pointer";

const ssm = mockClient(SSMClient);
const NAME = "/edge-mlops/dev/inference/current-model";
const client = () => new SSMClient({ region: "eu-west-1" });
afterEach(() => ssm.reset());

describe("resolveModelPointer", () => {
  it("returns the s3:// URI the pointer holds, reading exactly that parameter", async () => {
    ssm.on(GetParameterCommand, { Name: NAME }).resolves({ Parameter: { Name: NAME, Value: "s3://models-bucket/releases/v3/model.json" } });
    await expect(resolveModelPointer(NAME, client)).resolves.toBe("s3://models-bucket/releases/v3/model.json");
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: NAME }]);
  });

  it("names the parameter when it is missing, empty or not an S3 URI", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
    await expect(resolveModelPointer(NAME, client)).rejects.toThrow(`MODEL_POINTER ${NAME}: cannot read: ParameterNotFound: not found`);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: "" } });
    await expect(resolveModelPointer(NAME, client)).rejects.toThrow(`MODEL_POINTER ${NAME}: the parameter has no value; expected s3://<bucket>/<key>`);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Value: "/tmp/model.json" } });
    await expect(resolveModelPointer(NAME, client)).rejects.toThrow(`MODEL_POINTER ${NAME}: value "/tmp/model.json" must be s3://<bucket>/<key>`);
  });

  it("refuses a name SSM would refuse, before any call", async () => {
    await expect(resolveModelPointer("bad name", client)).rejects.toThrow('MODEL_POINTER "bad name": must be an SSM parameter name');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });
});
