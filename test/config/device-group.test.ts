// A device's group must be one of the fleet's child groups; the error lists the names it may be, or says there are none.
import { describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import { configErrorOf } from "../support/config-error";

/** The one-line error of a dev stack whose device `d1` joins `group`, with these child groups declared. */
function groupError(childGroups: { name: string; kind: "site" }[], group: string): string {
  const raw = { environment: "dev", edgeFleet: { allowGeneratedKeys: true, childGroups, devices: [{ name: "d1", group }] } };
  return configErrorOf(() => parseStackSettings(raw)).message;
}

describe("a device in a group that is not a child group", () => {
  it("names the child groups it may join", () => {
    expect(groupError([{ name: "lab-bench", kind: "site" }, { name: "line-2", kind: "site" }], "nowhere")).toBe(
      "config error: edge-mlops:edgeFleet.devices[0].group: 'nowhere' is not one of edgeFleet.childGroups (lab-bench, line-2)",
    );
  });

  it("says when no child group is declared", () => {
    expect(groupError([], "nowhere")).toBe(
      "config error: edge-mlops:edgeFleet.devices[0].group: 'nowhere' is not one of edgeFleet.childGroups (none are declared)",
    );
  });
});
