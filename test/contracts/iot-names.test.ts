import { describe, expect, it } from "vitest";
import {
  isSemver,
  validateComponentName,
  validateComponentVersion,
  validateProvisioningTemplateName,
  validateThingGroupName,
  validateThingName,
} from "../../contracts/iot-names";

describe("validateThingName", () => {
  it.each(["hub-01", "a", "A:b_c-9", "x".repeat(128), "0123456789", "site:berlin_rev-2"])("accepts %j", (name) => {
    expect(validateThingName(name)).toBeUndefined();
  });

  it("names the character rule for forbidden characters", () => {
    expect(validateThingName("hub 01")).toBe(
      `thing name "hub 01" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`,
    );
    for (const bad of ["hub/01", "hüb", "hub.01", "hub#2", "hub$", "a\nb"]) {
      expect(validateThingName(bad)).toMatch(/AWS IoT rule \[a-zA-Z0-9:_-\]\+/);
    }
  });

  it("names the length rule", () => {
    expect(validateThingName("")).toBe("thing name must be 1 to 128 characters long (AWS IoT limit), got 0");
    expect(validateThingName("x".repeat(129))).toBe(
      "thing name must be 1 to 128 characters long (AWS IoT limit), got 129",
    );
  });

  it("rejects values that are not strings", () => {
    expect(validateThingName(42)).toBe("thing name must be a string, got number 42");
    expect(validateThingName(undefined)).toBe("thing name must be a string, got undefined");
    expect(validateThingName(null)).toBe("thing name must be a string, got null");
    expect(validateThingName(["a"])).toBe("thing name must be a string, got an array");
  });
});

describe("validateThingGroupName", () => {
  it("uses the same rule as thing names, naming the kind", () => {
    expect(validateThingGroupName("edge-mlops-dev")).toBeUndefined();
    expect(validateThingGroupName("dev:site_a-1")).toBeUndefined();
    expect(validateThingGroupName("edge mlops")).toBe(
      `thing group name "edge mlops" may contain only letters, digits, ':', '_' and '-' (AWS IoT rule [a-zA-Z0-9:_-]+)`,
    );
    expect(validateThingGroupName("g".repeat(129))).toBe(
      "thing group name must be 1 to 128 characters long (AWS IoT limit), got 129",
    );
    expect(validateThingGroupName("")).toBe("thing group name must be 1 to 128 characters long (AWS IoT limit), got 0");
  });
});

describe("validateComponentName", () => {
  it.each(["com.hbs.hub.Container", "com.edgemlops.Inference", "a", "my_component-1.2", "c".repeat(128)])(
    "accepts %j",
    (name) => {
      expect(validateComponentName(name)).toBeUndefined();
    },
  );

  it("rejects names outside the Greengrass character rule", () => {
    for (const bad of ["com:hbs", ".hidden", "-dash", "has space", "com/hbs", "ünicode"]) {
      expect(validateComponentName(bad)).toBe(
        `component name ${JSON.stringify(bad)} may contain only letters, digits, '.', '_' and '-' and must start with a letter or digit (Greengrass rule [a-zA-Z0-9][a-zA-Z0-9._-]*)`,
      );
    }
  });

  it("rejects the AWS-reserved namespace and bad lengths", () => {
    expect(validateComponentName("aws.greengrass.Nucleus")).toBe(
      `component name "aws.greengrass.Nucleus" must not start with "aws.greengrass.", which is reserved for AWS-provided components`,
    );
    expect(validateComponentName("")).toBe("component name must be 1 to 128 characters long (Greengrass limit), got 0");
    expect(validateComponentName("c".repeat(129))).toBe(
      "component name must be 1 to 128 characters long (Greengrass limit), got 129",
    );
    expect(validateComponentName(7)).toBe("component name must be a string, got number 7");
  });
});

describe("isSemver", () => {
  // The valid and invalid examples published with Semantic Versioning 2.0.0.
  const valid = [
    "0.0.4", "1.2.3", "10.20.30", "1.1.2-prerelease+meta", "1.1.2+meta", "1.1.2+meta-valid", "1.0.0-alpha",
    "1.0.0-beta", "1.0.0-alpha.beta", "1.0.0-alpha.beta.1", "1.0.0-alpha.1", "1.0.0-alpha0.valid",
    "1.0.0-alpha.0valid", "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", "1.0.0-rc.1+build.1",
    "2.0.0-rc.1+build.123", "1.2.3-beta", "10.2.3-DEV-SNAPSHOT", "1.2.3-SNAPSHOT-123", "1.0.0", "2.0.0",
    "1.1.7", "2.0.0+build.1848", "2.0.1-alpha.1227", "1.0.0-alpha+beta", "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
    "1.2.3----R-S.12.9.1--.12+meta", "1.2.3----RC-SNAPSHOT.12.9.1--.12", "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
    "99999999999999999999999.999999999999999999.99999999999999999", "1.0.0-0A.is.legal",
  ];
  const invalid = [
    "1", "1.2", "1.2.3-0123", "1.2.3-0123.0123", "1.1.2+.123", "+invalid", "-invalid", "-invalid+invalid",
    "-invalid.01", "alpha", "alpha.beta", "alpha.beta.1", "alpha.1", "alpha+beta", "alpha_beta", "alpha.",
    "alpha..", "beta", "1.0.0-alpha_beta", "-alpha.", "1.0.0-alpha..", "1.0.0-alpha..1", "1.0.0-alpha...1",
    "01.1.1", "1.01.1", "1.1.01", "1.2.3.DEV", "1.2-SNAPSHOT", "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
    "1.2-RC-SNAPSHOT", "-1.0.3-gamma+b7718", "+justmeta", "9.8.7+meta+meta", "9.8.7-whatever+meta+meta",
    "99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1--------------------------------..12",
    "v1.2.3", " 1.2.3", "1.2.3 ", "1.2.3\n", "",
  ];

  it.each(valid)("accepts %j", (version) => {
    expect(isSemver(version)).toBe(true);
  });

  it.each(invalid)("rejects %j", (version) => {
    expect(isSemver(version)).toBe(false);
  });

  it("rejects non-strings", () => {
    expect(isSemver(1)).toBe(false);
    expect(isSemver(null)).toBe(false);
    expect(isSemver(undefined)).toBe(false);
    expect(isSemver({ major: 1 })).toBe(false);
  });
});

describe("validateComponentVersion", () => {
  it("accepts semver up to 64 characters and names the rule otherwise", () => {
    expect(validateComponentVersion("1.0.0")).toBeUndefined();
    expect(validateComponentVersion("1.4.0-rc.1+build.7")).toBeUndefined();
    expect(validateComponentVersion("1.0")).toBe(
      `component version "1.0" is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)`,
    );
    expect(validateComponentVersion(1)).toBe(
      "component version number 1 is not a semantic version (MAJOR.MINOR.PATCH with optional -PRERELEASE and +BUILD, semver 2.0.0)",
    );
    const long = `1.0.0-${"a".repeat(59)}`;
    expect(long).toHaveLength(65);
    expect(isSemver(long)).toBe(true);
    expect(validateComponentVersion(long)).toBe(
      "component version must be at most 64 characters long (Greengrass limit), got 65",
    );
  });
});

describe("validateProvisioningTemplateName", () => {
  it("applies the AWS IoT template name rule", () => {
    expect(validateProvisioningTemplateName("edge-mlops-dev_fleet")).toBeUndefined();
    expect(validateProvisioningTemplateName("t".repeat(36))).toBeUndefined();
    expect(validateProvisioningTemplateName("t".repeat(37))).toBe(
      "provisioning template name must be 1 to 36 characters long (AWS IoT limit), got 37",
    );
    expect(validateProvisioningTemplateName("fleet:dev")).toBe(
      `provisioning template name "fleet:dev" may contain only letters, digits, '_' and '-' (AWS IoT rule [0-9A-Za-z_-]+)`,
    );
    expect(validateProvisioningTemplateName(undefined)).toBe("provisioning template name must be a string, got undefined");
  });
});
