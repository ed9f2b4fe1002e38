// The system a plan describes, reduced for a reader: one node per meaningful resource (the catalogue decides which),
// one cluster per top-level component of the project, a count of supporting resources per component, and the edges
// between nodes. An edge joins two nodes when Pulumi's dependency graph (`inputDependencies` and `dependsOn`) leads
// from one to the other through supporting resources of the same component only (the ECS service reads the image
// through its task definition). Where a resource's inputs carry a node's ARN but no output flowed (the name was
// computed, not read), the edge is kept and marked `byReference`: Pulumi does not know of it.
import type { Plan, PlannedResource } from "../offline/run";
import { FLOWS, isNodeRule, ruleFor, shortType, type NodeRule } from "./catalogue";

export interface SystemNode {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly detail?: string;
  readonly stage?: number;
  /** For a hub (catalogue `hub`): its word and the components at the other ends of its edges, which are not drawn. */
  readonly hub?: string;
  /** URN of the top-level component the node belongs to. */
  readonly cluster: string;
  readonly urn: string;
}

export interface SystemEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly main: boolean;
  /** Only an ARN in an input joins the two: no Pulumi dependency. */
  readonly byReference: boolean;
}

export interface SummaryLine {
  readonly count: number;
  readonly text: string;
  readonly names: readonly string[];
}

export interface SystemCluster {
  readonly urn: string;
  /** `edge-mlops:training:TrainingWorkflow` named `dev` → `Training workflow`. */
  readonly label: string;
  readonly nodes: readonly string[];
  readonly summary: readonly SummaryLine[];
}

export interface SystemGraph {
  readonly title: string;
  readonly clusters: readonly SystemCluster[];
  readonly nodes: readonly SystemNode[];
  readonly edges: readonly SystemEdge[];
  /** Resources the diagram stands for (providers and the project's components excluded). */
  readonly resourceCount: number;
}

const STACK_CLUSTER = "(stack)";

/** `TrainingWorkflow` → `Training workflow`. */
function words(name: string): string {
  const s = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function fill(rule: NodeRule, r: PlannedResource, top: PlannedResource | undefined): string {
  const prefix = top ? `${top.name}-` : "";
  const purpose = (r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name).replace(rule.trim ?? /$^/, "");
  const component = top ? (top.type.split(":")[1] ?? "") : "";
  const name = typeof r.inputs.name === "string" ? r.inputs.name : r.name;
  return rule.label.replace("{purpose}", purpose).replace("{component}", component).replace("{name}", name).replace(/\s+/g, " ").trim();
}

/** Where `arn` occurs in `text` as a whole ARN (followed by nothing, `/`, `:` or a quote; not by more name). */
function mentions(text: string, arn: string): boolean {
  for (let i = text.indexOf(arn); i >= 0; i = text.indexOf(arn, i + 1)) {
    if (!/[A-Za-z0-9_.-]/.test(text.charAt(i + arn.length))) return true;
  }
  return false;
}

/** The plan, indexed: which top-level component each resource belongs to. */
class PlanIndex {
  readonly byUrn: Map<string, PlannedResource>;
  constructor(readonly plan: Plan) {
    this.byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  }
  /** The project's own components become clusters; other component resources (awsx) are drawn like resources. */
  isComponent(r: PlannedResource): boolean {
    return !r.custom && r.type.startsWith(`${this.plan.project}:`);
  }
  /** What the diagram stands for: everything but providers and the project's components. */
  isResource(r: PlannedResource): boolean {
    return !this.isComponent(r) && !r.type.startsWith("pulumi:providers:");
  }
  top(r: PlannedResource): PlannedResource | undefined {
    let top: PlannedResource | undefined;
    for (let cur: PlannedResource | undefined = r; cur; cur = cur.parent ? this.byUrn.get(cur.parent) : undefined) if (this.isComponent(cur)) top = cur;
    return top;
  }
  cluster(r: PlannedResource): string {
    return this.top(r)?.urn ?? STACK_CLUSTER;
  }
  clusterLabel(urn: string): string {
    const component = this.byUrn.get(urn);
    const typeName = component?.type.split(":")[2] ?? "Stack";
    return component && component.name !== this.plan.stack ? `${words(typeName)} ${component.name}` : words(typeName);
  }
}

interface Classified {
  readonly nodes: Map<string, SystemNode>;
  /** Per cluster, per summary text: the resources counted. */
  readonly counted: Map<string, Map<string, { singular: string; plural: string; names: string[] }>>;
  readonly links: PlannedResource[];
}

/** Each resource becomes a node or a count, by the catalogue. */
function classify(index: PlanIndex): Classified {
  const nodes = new Map<string, SystemNode>();
  const counted: Classified["counted"] = new Map();
  const links: PlannedResource[] = [];
  for (const r of index.plan.resources.filter((x) => index.isResource(x))) {
    const rule = ruleFor(r);
    const cluster = index.cluster(r);
    if (rule && isNodeRule(rule)) {
      const detail = rule.detail?.(r);
      nodes.set(r.urn, {
        id: `n${nodes.size}`, kind: rule.kind, label: fill(rule, r, index.top(r)), cluster, urn: r.urn,
        ...(detail ? { detail } : {}), ...(rule.stage !== undefined ? { stage: rule.stage } : {}),
      });
      continue;
    }
    const [singular, plural] = rule?.summary ?? [shortType(r.type), shortType(r.type)];
    if (rule?.link) links.push(r);
    const lines = counted.get(cluster) ?? new Map();
    const line = lines.get(plural) ?? { singular, plural, names: [] };
    line.names.push(r.name);
    lines.set(plural, line);
    counted.set(cluster, lines);
  }
  return { nodes, counted, links };
}

/** Edges between nodes, keyed `from>to`, drawn in the direction of the data flow where `FLOWS` names it. */
function joinNodes(index: PlanIndex, { nodes, links }: Classified): Map<string, SystemEdge> {
  const arns = [...nodes.values()].flatMap((n) => {
    const arn = index.byUrn.get(n.urn)?.arn;
    return arn ? [[n.urn, arn] as const] : [];
  });
  const pure = (r: PlannedResource) => [...(r.inputDependencies ?? []), ...r.dependsOn];
  const referenced = (r: PlannedResource) => {
    const text = JSON.stringify(r.inputs);
    return arns.filter(([urn, arn]) => urn !== r.urn && mentions(text, arn)).map(([urn]) => urn);
  };
  /** Nodes upstream of `start`, walking through supporting resources of its own component only. */
  const upstream = (start: PlannedResource, withReferences: boolean): Set<string> => {
    const found = new Set<string>();
    const home = index.cluster(start);
    const seen = new Set([start.urn]);
    const queue = [start];
    while (queue.length) {
      const r = queue.shift() as PlannedResource;
      for (const urn of [...pure(r), ...(withReferences ? referenced(r) : [])]) {
        const dep = index.byUrn.get(urn);
        if (!dep || seen.has(urn)) continue;
        seen.add(urn);
        if (nodes.has(urn)) found.add(urn);
        // Supporting resources of another component belong to its nodes: walking through them would join, say,
        // the dashboard to the VPC through the target group it reads metrics of.
        else if (index.isResource(dep) && index.cluster(dep) === home) queue.push(dep);
      }
    }
    return found;
  };

  const edges = new Map<string, SystemEdge>();
  const join = (a: SystemNode, b: SystemNode, byReference: boolean, onlyNamed: boolean) => {
    const forward = FLOWS.find((f) => f.from === a.kind && f.to === b.kind);
    const backward = forward ? undefined : FLOWS.find((f) => f.from === b.kind && f.to === a.kind);
    const flow = forward ?? backward;
    if (onlyNamed && !flow) return;
    const [from, to] = backward ? [b, a] : [a, b];
    const key = `${from.id}>${to.id}`;
    if (edges.has(key) && !edges.get(key)?.byReference) return;
    edges.set(key, { from: from.id, to: to.id, main: !!flow?.main, byReference, ...(flow ? { label: flow.label } : {}) });
  };
  for (const node of nodes.values()) {
    const r = index.byUrn.get(node.urn) as PlannedResource;
    const direct = upstream(r, false);
    for (const urn of direct) join(nodes.get(urn) as SystemNode, node, false, false);
    for (const urn of upstream(r, true)) if (!direct.has(urn)) join(nodes.get(urn) as SystemNode, node, true, false);
  }
  // A link (a membership) relates the nodes it depends on.
  for (const link of links) {
    const ends = [...upstream(link, false)].map((urn) => nodes.get(urn) as SystemNode);
    for (const a of ends) for (const b of ends) if (a !== b) join(a, b, false, true);
  }
  return edges;
}

/** A hub's edges become one line on the hub: the components at their other ends. */
function foldHubs(index: PlanIndex, nodes: Map<string, SystemNode>, edges: Map<string, SystemEdge>): void {
  const byId = new Map([...nodes.values()].map((n) => [n.id, n]));
  for (const node of nodes.values()) {
    const rule = ruleFor(index.byUrn.get(node.urn) as PlannedResource);
    if (!rule || !isNodeRule(rule) || !rule.hub) continue;
    const ends = new Set<string>();
    for (const [key, e] of edges) {
      if (e.from !== node.id && e.to !== node.id) continue;
      const other = byId.get(e.from === node.id ? e.to : e.from) as SystemNode;
      if (other.cluster !== node.cluster) ends.add(index.clusterLabel(other.cluster));
      edges.delete(key);
    }
    if (ends.size) nodes.set(node.urn, { ...node, hub: `${rule.hub} ${[...ends].sort().join(", ")}` });
  }
}

export function systemOf(plan: Plan): SystemGraph {
  const index = new PlanIndex(plan);
  const classified = classify(index);
  const { nodes, counted } = classified;
  const edges = joinNodes(index, classified);
  foldHubs(index, nodes, edges);

  // Components on the data flow first, in its order; the platform after (the layout keeps this order in a column).
  const onFlow = new Set([...edges.values()].filter((e) => e.main).flatMap((e) => [e.from, e.to]));
  const sortKey = (urn: string) => {
    const own = [...nodes.values()].filter((n) => n.cluster === urn);
    return (own.some((n) => onFlow.has(n.id)) ? 0 : 100) + Math.min(99, ...own.map((n) => n.stage ?? 99));
  };
  const resources = plan.resources.filter((r) => index.isResource(r));
  const clusterUrns = [...new Set(resources.map((r) => index.cluster(r)))].sort((a, b) => sortKey(a) - sortKey(b));
  const clusters = clusterUrns.map((urn): SystemCluster => ({
    urn,
    label: index.clusterLabel(urn),
    nodes: [...nodes.values()].filter((n) => n.cluster === urn).map((n) => n.id),
    summary: [...(counted.get(urn)?.values() ?? [])]
      .map((l) => ({ count: l.names.length, text: `${l.names.length} ${l.names.length === 1 ? l.singular : l.plural}`, names: l.names }))
      .sort((x, y) => y.count - x.count || x.text.localeCompare(y.text)),
  }));
  return { title: `${plan.project} / ${plan.stack}`, clusters, nodes: [...nodes.values()], edges: [...edges.values()], resourceCount: resources.length };
}
