// The model component's recipe: version from the model package version, the staged model.json with its digest, an
// atomic install into DEVICE_MODEL_DIR on linux amd64 and arm64, and one-line refusals of bad input.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { modelComponentRecipe } from "../../contracts/model-component";

const MODEL = '{"model_version":"abc"}';
const SHA = createHash("sha256").update(MODEL).digest("hex");
const INPUT = { componentName: "edge-mlops-dev-model", modelPackageVersion: 7, modelUri: "s3://edge-mlops-dev-models/releases/v7/model.json", sha256: SHA };

describe("modelComponentRecipe", () => {
  it("publishes version 7 as 7.0.0 with the staged model.json and its digest, on linux amd64 and arm64", () => {
    const recipe = modelComponentRecipe(INPUT);
    expect(recipe.ComponentVersion).toBe("7.0.0");
    expect(recipe.Manifests.map((m) => m.Platform)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    for (const m of recipe.Manifests) {
      expect(m.Artifacts).toEqual([
        { Uri: INPUT.modelUri, Digest: createHash("sha256").update(MODEL).digest("base64"), Algorithm: "SHA-256", Unarchive: "NONE", Permission: { Read: "OWNER", Execute: "NONE" } },
      ]);
      expect(m.Lifecycle.Install).toEqual({
        Script:
          "mkdir -p /var/lib/edge-mlops/model && cp {artifacts:path}/model.json /var/lib/edge-mlops/model/.model.json.tmp && chmod 0644 /var/lib/edge-mlops/model/.model.json.tmp && mv -f /var/lib/edge-mlops/model/.model.json.tmp /var/lib/edge-mlops/model/model.json",
        RequiresPrivilege: true,
      });
    }
  });

  it("is the same recipe for the same input and a different one for another model", () => {
    expect(JSON.stringify(modelComponentRecipe(INPUT))).toBe(JSON.stringify(modelComponentRecipe({ ...INPUT })));
    expect(JSON.stringify(modelComponentRecipe({ ...INPUT, sha256: "0".repeat(64) }))).not.toBe(JSON.stringify(modelComponentRecipe(INPUT)));
  });

  it.each([
    [{ modelPackageVersion: 0 }, "model package version must be a positive integer, got 0"],
    [{ sha256: SHA.toUpperCase() }, `sha256: "${SHA.toUpperCase()}" is not 64 lowercase hex digits`],
    [{ modelUri: "https://example.com/model.json" }, 'modelUri: "https://example.com/model.json" is not an s3:// URI'],
    [{ componentName: "edge mlops" }, 'componentName: "edge mlops" does not match /^[A-Za-z0-9._-]{1,128}$/'],
  ])("refuses %j", (bad, message) => {
    expect(() => modelComponentRecipe({ ...INPUT, ...bad })).toThrow(message);
  });
});
