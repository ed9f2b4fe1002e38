// `npm run diagram -- --stack <name> [--out FILE]`: the architecture of one stack as SVG, drawn from the offline
// plan. Each component is a cluster (nested components nest), its resources are grouped by type, and an arrow
// runs from a resource group to another component's group when an output of the first flows into an input of the
// second (Pulumi's own dependency graph), i.e. how data and identifiers move between components.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { Plan, PlannedResource } from "./offline/run";

const GRID_COLUMNS = 3;
const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** `aws:ecs/taskDefinition:TaskDefinition` → `ecs TaskDefinition`. */
function shortType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  return `${pkg === "aws" ? "" : `${pkg} `}${(mod ?? "").split("/")[0]} ${name ?? ""}`.replace(/\bindex\b /, "").trim();
}

/** Graphviz DOT of the plan: pure, so it is testable without rendering. */
export function planToDot(plan: Plan): string {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const isComponent = (r: PlannedResource) => r.type.startsWith("edge-mlops:");
  const topComponent = (r: PlannedResource): PlannedResource | undefined => {
    let cur: PlannedResource | undefined = r;
    let top: PlannedResource | undefined;
    while (cur) {
      if (isComponent(cur)) top = cur;
      cur = cur.parent ? byUrn.get(cur.parent) : undefined;
    }
    return top;
  };
  const nodeId = (r: PlannedResource) => `${r.parent ?? "root"}|${r.type}`;
  const groups = new Map<string, { label: string; count: number; parent: string | null }>();
  for (const r of plan.resources) {
    if (isComponent(r) || r.type.startsWith("pulumi:providers:") || !topComponent(r)) continue;
    const g = groups.get(nodeId(r)) ?? { label: shortType(r.type), count: 0, parent: r.parent };
    g.count += 1;
    groups.set(nodeId(r), g);
  }
  const lines = [
    `digraph ${q(`${plan.project}-${plan.stack}`)} {`,
    `  graph [rankdir=LR, newrank=true, nodesep=0.15, ranksep=0.3, fontname="Helvetica", fontsize=12, label=${q(`${plan.project} / ${plan.stack}`)}, labelloc=t, compound=true];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname="Helvetica", fontsize=10];`,
    `  edge [color="#5b6b7f", arrowsize=0.7, constraint=false];`,
  ];
  const clusterIds = new Map<string, number>();
  const emit = (component: PlannedResource, indent: string) => {
    const id = clusterIds.size;
    clusterIds.set(component.urn, id);
    lines.push(`${indent}subgraph cluster_${id} {`);
    lines.push(`${indent}  label=${q(`${component.name}: ${component.type.split(":").slice(1).join(":")}`)}; style="rounded"; color="#8aa1bd";`);
    const own = [...groups].filter(([, g]) => g.parent === component.urn);
    for (const [key, g] of own) lines.push(`${indent}  ${q(key)} [label=${q(g.count > 1 ? `${g.label} ×${g.count}` : g.label)}];`);
    // Invisible edges lay a cluster's nodes out as a grid GRID_COLUMNS wide instead of one long column.
    for (let i = 0; i + GRID_COLUMNS < own.length; i++) lines.push(`${indent}  ${q(own[i][0])} -> ${q(own[i + GRID_COLUMNS][0])} [style=invis, constraint=true];`);
    for (const child of plan.resources) if (isComponent(child) && child.parent === component.urn) emit(child, `${indent}  `);
    lines.push(`${indent}}`);
  };
  for (const r of plan.resources) if (isComponent(r) && (r.parent === null || !byUrn.has(r.parent))) emit(r, "  ");
  const edges = new Set<string>();
  for (const r of plan.resources) {
    const to = topComponent(r);
    if (!to || !groups.has(nodeId(r))) continue;
    for (const urn of r.inputDependencies ?? []) {
      const dep = byUrn.get(urn);
      const from = dep && topComponent(dep);
      if (!dep || !from || from === to || !groups.has(nodeId(dep))) continue;
      edges.add(`  ${q(nodeId(dep))} -> ${q(nodeId(r))};`);
    }
  }
  lines.push(...[...edges].sort(), "}");
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: "string" }, out: { type: "string" }, "config-file": { type: "string" } } });
  if (!values.stack) throw new Error("--stack is required; usage: npm run diagram -- --stack <name> [--out FILE]");
  const { planStack, ROOT } = await import("./offline/stack");
  const { plan } = await planStack(values.stack, values["config-file"]);
  const { instance } = await import("@viz-js/viz");
  const svg = (await instance()).renderString(planToDot(plan), { format: "svg", engine: "dot" });
  const out = values.out ?? path.join(ROOT, "docs", `architecture-${values.stack}.svg`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, svg);
  console.log(`wrote ${path.relative(process.cwd(), out)} (${svg.length} bytes)`);
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.name === "ConfigError" ? e.message : `diagram failed: ${e.message}`);
    process.exit(e.name === "ConfigError" ? 2 : 1);
  });
}
