// loadStackConfig as the program calls it: the running stack's config read from Pulumi's runtime (its project and
// stack names, every key, and which keys Pulumi holds as secrets), validated once. Pulumi's runtime state is
// process-global, so this file has its own process and sets the stack once.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER } from "../../components/args";
import { ConfigError, loadStackConfig } from "../../components/config";

pulumi.runtime.setMocks(
  {
    newResource: () => {
      throw new Error("no resource is registered while the config is read");
    },
    call: () => {
      throw new Error("no function is called while the config is read");
    },
  },
  "edge-mlops",
  "qa",
);

const base = { "aws:region": "eu-west-1", "edge-mlops:environment": "dev" };

afterEach(() => pulumi.runtime.setAllConfig({}, []));

describe("loadStackConfig", () => {
  it("reads the running stack's names, keys and secret keys from Pulumi's runtime", () => {
    pulumi.runtime.setAllConfig(
      { ...base, "edge-mlops:protect": "false", "edge-mlops:observability": JSON.stringify({ notifications: { emails: [SECRET_PLACEHOLDER] } }) },
      ["edge-mlops:observability"],
    );
    const c = loadStackConfig();
    expect(c).toMatchObject({ project: "edge-mlops", stack: "qa", region: "eu-west-1", environment: "dev", protect: false, secretKeys: ["observability"] });
    expect(c.observability.notifications.emails).toEqual([SECRET_PLACEHOLDER]);
  });

  it("refuses a secret placeholder in a key Pulumi does not hold as a secret", () => {
    pulumi.runtime.setAllConfig({ ...base, "edge-mlops:observability": JSON.stringify({ notifications: { emails: [SECRET_PLACEHOLDER] } }) }, []);
    expect(() => loadStackConfig()).toThrow(ConfigError);
    expect(() => loadStackConfig()).toThrow(/^config error: edge-mlops:observability\.notifications\.emails\[0\]: is the text "\[secret\]"/);
  });

  it("fails before anything else on a bad value", () => {
    pulumi.runtime.setAllConfig({ ...base, "edge-mlops:environment": "qa" }, []);
    expect(() => loadStackConfig()).toThrow('config error: edge-mlops:environment: must be one of "dev", "staging", "prod", got "qa"');
  });
});
