// scripts/bench-mutation.ts's reading of Stryker's JSON reports, on small reports written here: the score per folder
// and for the config schemas together, the lines of the score table, several runs' reports read as one (a file
// measured again counts once, from the last report given), and the survivors' lines.
import { describe, expect, it } from "vitest";
import { mergeReports, scoreLines, survivors, tallyByFolder, type Mutant, type MutationReport } from "../../scripts/bench-mutation";

/** A mutant of the given status on line `line`, columns 1-4. */
const mutant = (status: Mutant["status"], line = 1): Mutant => ({
  mutatorName: "StringLiteral",
  replacement: '""',
  status,
  location: { start: { line, column: 1 }, end: { line, column: 5 } },
});
const file = (...statuses: Mutant["status"][]) => ({ source: "code\nmore", mutants: statuses.map((s) => mutant(s)) });

describe("tallyByFolder", () => {
  it("counts killed and timed-out mutants as detected, survived and uncovered ones as not, and nothing else", () => {
    const report: MutationReport = { files: { "policy/rules/s3.ts": file("Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "CompileError", "RuntimeError") } };
    const tallies = tallyByFolder(report);
    expect(tallies.get("policy/rules")).toEqual({ detected: 2, undetected: 2 });
    expect(tallies.get("policy/**")).toEqual({ detected: 2, undetected: 2 });
  });

  it("adds the config schemas together across folders, and leaves other files of those folders out", () => {
    const report: MutationReport = {
      files: {
        "components/args.ts": file("Killed"),
        "components/config.ts": file("Killed", "Survived"),
        "components/regions.ts": file("Killed"),
        "components/csr.ts": file("Killed"),
        "components/network/args.ts": file("Killed"),
        "components/iam.ts": file("Survived"),
        "components/edge-fleet/policies.ts": file("Survived"),
      },
    };
    const tallies = tallyByFolder(report);
    expect(tallies.get("config schemas")).toEqual({ detected: 5, undetected: 1 });
    expect(tallies.get("components/**")).toEqual({ detected: 5, undetected: 3 });
    expect(tallies.get("components/edge-fleet")).toEqual({ detected: 0, undetected: 1 });
  });
});

describe("scoreLines", () => {
  it("gives each folder its score and counts, in name order, the names padded to the longest", () => {
    const lines = scoreLines(
      new Map([
        ["policy/**", { detected: 9, undetected: 1 }],
        ["components/inference-service", { detected: 126, undetected: 12 }],
      ]),
    );
    expect(lines).toEqual(["  components/inference-service   91.3%  (126 of 138)", "  policy/**                      90.0%  (9 of 10)"]);
  });

  it("says a folder had no mutant counted rather than printing a score of 0 / 0", () => {
    const tallies = tallyByFolder({ files: { "components/model-store/args.ts": file("Ignored", "Ignored") } });
    expect(scoreLines(tallies)).toEqual(["  components/**           no mutant counted", "  components/model-store  no mutant counted", "  config schemas          no mutant counted"]);
  });
});

describe("mergeReports", () => {
  it("counts a file measured in two runs once, from the last report given, and names the report it replaced", () => {
    const before: MutationReport = { files: { "components/args.ts": file("Survived", "Survived"), "components/csr.ts": file("Killed") } };
    const after: MutationReport = { files: { "components/args.ts": file("Killed", "Killed") } };
    const { report, superseded } = mergeReports([
      { name: "args-before.json", report: before },
      { name: "args-after.json", report: after },
    ]);
    expect(tallyByFolder(report).get("config schemas")).toEqual({ detected: 3, undetected: 0 });
    expect(superseded).toEqual(["components/args.ts: args-after.json counts, not args-before.json"]);
  });

  it("reads reports of different files side by side, superseding nothing", () => {
    const { report, superseded } = mergeReports([
      { name: "a.json", report: { files: { "policy/engine.ts": file("Killed") } } },
      { name: "b.json", report: { files: { "policy/rules/s3.ts": file("Survived") } } },
    ]);
    expect(Object.keys(report.files)).toEqual(["policy/engine.ts", "policy/rules/s3.ts"]);
    expect(superseded).toEqual([]);
  });
});

describe("survivors", () => {
  it("lists each survived or uncovered mutant with its place, mutator, original text and replacement", () => {
    const report: MutationReport = {
      files: {
        "policy/engine.ts": {
          source: 'const a = "x";\nif (a) {\n  go();\n}',
          mutants: [
            { mutatorName: "StringLiteral", replacement: '""', status: "Survived", location: { start: { line: 1, column: 11 }, end: { line: 1, column: 14 } } },
            { mutatorName: "BlockStatement", replacement: "{}", status: "NoCoverage", location: { start: { line: 2, column: 8 }, end: { line: 4, column: 2 } } },
            { mutatorName: "ConditionalExpression", replacement: "true", status: "Killed", location: { start: { line: 2, column: 5 }, end: { line: 2, column: 6 } } },
          ],
        },
      },
    };
    expect(survivors(report)).toEqual(['policy/engine.ts:1:11  StringLiteral  "x" -> ""', "policy/engine.ts:2:8  BlockStatement (no coverage)  {… -> {}"]);
  });
});
