// Graphviz DOT of a reduced system graph, laid out to be read in one look: left to right along the data flow (each
// catalogue stage is one column), components as tinted clusters, the main path thick and labelled, other
// dependencies thin and grey, ARN-only joins dashed, and each component's supporting resources as one note of
// counts. Pure text, so tests read its structure without rendering.
import type { SystemCluster, SystemGraph, SystemNode } from "./system";

const FONT = "Helvetica";
const MAIN = "#1d5fbf";
const OTHER = "#8a97a6";
/** Edge labels take a rank of their own (`label`): placed on their edge, never over a node, as `xlabel` can be. */
const RANKSEP = 0.2;
const TITLE_WIDTH = 22;
const DETAIL_WIDTH = 30;
const SUMMARY_LINES = 5;
const TINTS = ["#eef4fb", "#f1f8ee", "#fbf3ea", "#f5effa", "#eef8f7", "#fbeff1", "#f6f6ea", "#f0f0f0"];

/** A DOT string literal. */
export const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Breaks a title into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** `abcdefghij` at 7 → `abc…hij`: physical names keep their start and their unique suffix. */
function elide(text: string, width: number): string {
  if (text.length <= width) return text;
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

function nodeLabel(n: SystemNode): string {
  const title = wrap(n.label, TITLE_WIDTH).map(html).join("<BR/>");
  const small = [n.detail && elide(n.detail, DETAIL_WIDTH), ...(n.hub ? wrap(n.hub, DETAIL_WIDTH) : [])]
    .filter((s): s is string => !!s)
    .map((s) => `<BR/><FONT POINT-SIZE="9" COLOR="#5b6672">${html(s)}</FONT>`);
  return `<<B>${title}</B>${small.join("")}>`;
}

/** The note of a component: its largest groups of supporting resources, the rest as one line. */
function summaryLabel(lines: SystemCluster["summary"]): string {
  const shown = lines.length > SUMMARY_LINES ? lines.slice(0, SUMMARY_LINES - 1) : lines;
  const rest = lines.slice(shown.length);
  const restCount = rest.reduce((n, l) => n + l.count, 0);
  const text = [...shown.map((l) => l.text), ...(rest.length ? [`${restCount} more of ${rest.length} other kinds`] : [])];
  // `\l` ends a left-aligned line in a DOT string; quote() would escape its backslash.
  return `"${text.map((t) => `${quote(t).slice(1, -1)}\\l`).join("")}"`;
}

export function toDot(g: SystemGraph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const onMain = new Set(g.edges.filter((e) => e.main).flatMap((e) => [e.from, e.to]));
  const legend =
    `<FONT COLOR="${MAIN}"><B>blue</B></FONT>: data flow   <FONT COLOR="${OTHER}"><B>grey</B></FONT>: other dependencies (an output of one is an input of the other)   ` +
    `<B>dashed</B>: only an ARN in an input joins them (no Pulumi dependency)   <B>notes</B>: supporting resources per component`;
  const title = `${html(g.title)}: ${g.resourceCount} resources, ${g.nodes.length} drawn, the rest counted per component`;
  const lines = [
    `digraph ${quote(g.title)} {`,
    `  graph [rankdir=LR, newrank=true, nodesep=0.2, ranksep=${RANKSEP}, fontname=${quote(FONT)}, labelloc=t, labeljust=l,`,
    `         label=<<FONT POINT-SIZE="16"><B>${title}</B></FONT><BR ALIGN="LEFT"/><FONT POINT-SIZE="10">${legend}</FONT><BR ALIGN="LEFT"/>>];`,
    `  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#7d8a99", fontname=${quote(FONT)}, fontsize=11, margin="0.1,0.05"];`,
    `  edge [color=${quote(OTHER)}, fontcolor="#5b6672", fontname=${quote(FONT)}, fontsize=9, arrowsize=0.6];`,
  ];

  const ranks = new Map<string, string[]>();
  const rankWith = (key: string, id: string) => ranks.set(key, [...(ranks.get(key) ?? []), id]);
  g.clusters.forEach((c, i) => {
    lines.push(`  subgraph cluster_${i} {`);
    lines.push(`    label=${quote(c.label)}; fontsize=13; style="rounded,filled"; color="#b6c2cf"; fillcolor=${quote(TINTS[i % TINTS.length])};`);
    for (const id of c.nodes) {
      const n = byId.get(id) as SystemNode;
      const emphasis = onMain.has(id) ? `, color=${quote(MAIN)}, penwidth=1.6` : "";
      lines.push(`    ${id} [label=${nodeLabel(n)}, tooltip=${quote(n.urn)}${emphasis}];`);
    }
    if (c.summary.length) {
      const tooltip = c.summary.map((l) => `${l.text}: ${l.names.join(", ")}`).join("\n");
      lines.push(`    s${i} [shape=note, style=filled, fillcolor="#fffdf2", color="#c9c1a0", fontsize=9, label=${summaryLabel(c.summary)}, tooltip=${quote(tooltip)}];`);
      // The note sits in the column of the component's leftmost node, so it does not stretch the cluster.
      const anchor = c.nodes.map((id) => byId.get(id) as SystemNode).sort((a, b) => (a.stage ?? 99) - (b.stage ?? 99))[0];
      if (anchor) rankWith(anchor.stage !== undefined ? `stage ${anchor.stage}` : anchor.id, `s${i}`);
    }
    lines.push("  }");
  });

  for (const n of g.nodes) if (n.stage !== undefined) rankWith(`stage ${n.stage}`, n.id);
  for (const [key, ids] of ranks) {
    const own = key.startsWith("stage ") ? ids : [key, ...ids];
    lines.push(`  { rank=same; ${own.join("; ")}; }`);
  }
  // Columns in stage order: one invisible edge between consecutive columns that have nodes.
  const stages = [...new Set(g.nodes.flatMap((n) => (n.stage !== undefined ? [n.stage] : [])))].sort((a, b) => a - b);
  for (let i = 1; i < stages.length; i++) {
    const a = g.nodes.find((n) => n.stage === stages[i - 1]) as SystemNode;
    const b = g.nodes.find((n) => n.stage === stages[i]) as SystemNode;
    lines.push(`  ${a.id} -> ${b.id} [style=invis];`);
  }

  for (const e of g.edges) {
    const from = byId.get(e.from) as SystemNode;
    const to = byId.get(e.to) as SystemNode;
    const attrs: string[] = [];
    if (e.label) attrs.push(`label=${quote(e.label)}`);
    if (e.main) attrs.push(`color=${quote(MAIN)}`, `fontcolor=${quote(MAIN)}`, "penwidth=2.4", "fontsize=11", "weight=4");
    if (e.byReference) attrs.push("style=dashed");
    if (from.stage !== undefined && to.stage !== undefined && from.stage > to.stage) attrs.push("constraint=false");
    lines.push(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n");
}
