// Load cost: the program, its scripts and the policy pack import the providers per service
// (`import * as iam from "@pulumi/aws/iam"`, `@pulumi/aws-native/greengrassv2`, `@pulumi/awsx/ec2`). A root import
// (`import * as aws from "@pulumi/aws"`) loads every service of the provider — about 900 more modules per run of
// the plan and of `pulumi preview`. Type-only imports (`import type`) load nothing and stay allowed. The sources are
// parsed with TypeScript's own parser, so imports, re-exports, `require(…)` and `import(…)` count, and text inside
// strings or comments does not.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const ROOT_PACKAGES = new Set(["@pulumi/aws", "@pulumi/aws-native", "@pulumi/awsx"]);
const SCANNED = ["index.ts", "components", "scripts", "policy"];

function sourceFiles(path: string): string[] {
  if (statSync(path).isFile()) return /\.(ts|mts|cts|mjs|cjs|js)$/.test(path) ? [path] : [];
  return readdirSync(path)
    .filter((name) => name !== "node_modules" && !name.startsWith("."))
    .flatMap((name) => sourceFiles(join(path, name)));
}

/** The root-package imports of one source that load code: `file:line: import of "@pulumi/aws"`. */
export function rootImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, specifier: ts.Expression | undefined) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !ROOT_PACKAGES.has(specifier.text)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push(`${relative(ROOT, file)}:${line}: import of "${specifier.text}" (import the service, e.g. "${specifier.text}/iam")`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) report(node, node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly) report(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) report(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword) report(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("per-service provider imports", () => {
  it("no source of the program, scripts or policy pack imports a provider's root package", () => {
    const files = SCANNED.flatMap((entry) => sourceFiles(join(ROOT, entry)));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) => rootImports(file, readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("flags value imports, require and dynamic import, and lets type-only imports and strings pass", () => {
    const text = [
      'import type * as aws from "@pulumi/aws";',
      'import * as awsx from "@pulumi/awsx";',
      'const n = require("@pulumi/aws-native");',
      'const later = import("@pulumi/aws");',
      'const floor = "require(\'@pulumi/aws\')";',
      'import * as iam from "@pulumi/aws/iam";',
    ].join("\n");
    expect(rootImports(join(ROOT, "x.ts"), text).map((line) => line.split(": ")[0])).toEqual(["x.ts:2", "x.ts:3", "x.ts:4"]);
  });
});
