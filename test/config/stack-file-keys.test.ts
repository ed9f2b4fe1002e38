// The top level of a stack file: only the keys of Pulumi's stack settings file (config, secretsprovider, encryptedkey,
// encryptionsalt, environment). A misspelled `config:` used to leave every key unset and blame aws:region.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackFiles } from "../../scripts/offline/run";
import { configErrorOf } from "../support/config-error";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "stack-file-keys-"));
const ALLOWED = "config, secretsprovider, encryptedkey, encryptionsalt, environment";

function stackFile(name: string, yaml: string): string {
  const file = path.join(TMP, name);
  fs.writeFileSync(file, yaml);
  return file;
}

/** The one-line error loadStackFiles throws for this stack file. */
function loadError(file: string): string {
  return configErrorOf(() => loadStackFiles(ROOT, "dev", file)).message;
}

describe("stack file top-level keys", () => {
  it("refuses an unknown top-level key, naming it, the nearest allowed key and all of them", () => {
    const file = stackFile("konfig.yaml", "konfig:\n  aws:region: eu-west-1\n  edge-mlops:environment: dev\n");
    expect(loadError(file)).toBe(`config error: ${file}: unknown top-level key 'konfig' (did you mean 'config'? allowed: ${ALLOWED})`);
  });

  it("refuses an alias without its anchor as YAML that is not valid, naming the file", () => {
    const file = stackFile("alias.yaml", "config:\n  edge-mlops:environment: *nope\n");
    expect(loadError(file)).toMatch(new RegExp(`^config error: ${file}: is not valid YAML: Unresolved alias .*nope`));
  });

  it("refuses a stack file that is not a mapping", () => {
    const file = stackFile("list.yaml", "- config\n");
    expect(loadError(file)).toBe(`config error: ${file}: must be a mapping of the top-level keys ${ALLOWED}`);
  });

  it("accepts every key of Pulumi's stack settings file", () => {
    const file = stackFile(
      "all.yaml",
      "secretsprovider: passphrase\nencryptedkey: abc\nencryptionsalt: v1:xyz\nenvironment:\n  - dev-env\nconfig:\n  aws:region: eu-west-1\n",
    );
    const loaded = loadStackFiles(ROOT, "dev", file);
    expect([loaded.config["aws:region"], loaded.importsEnvironments]).toEqual(["eu-west-1", true]);
    expect(loadStackFiles(ROOT, "dev", stackFile("plain.yaml", "config:\n  aws:region: eu-west-1\n")).importsEnvironments).toBe(false);
  });
});
