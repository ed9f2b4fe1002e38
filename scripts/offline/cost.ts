// The monthly cost of a planned stack, from the dated price table in components/pricing.ts: NAT gateways, load
// balancers, Fargate tasks and the MWAA environment running all month, plus the most one training run can cost
// (every job at its stopping condition). Usage-driven charges (data processed, LCUs, requests, storage, logs) are
// left out and said to be. A region or item the table does not hold is reported as unknown, never guessed.
import { cents, estimateMwaaMonthlyCost, HOURS_PER_MONTH, line, priceOf, PRICES, PRICES_AS_OF, type CostLine } from "../../components/pricing";
import type { Plan, PlannedResource } from "./run";

/** A line of the training run: `item` is the price-table key, `state` the state machine's job that runs it. */
export interface TrainingRunLine extends CostLine {
  /** The job's state in the training workflow (`Preprocess`, `Train`, `Evaluate`): tells same-priced jobs apart. */
  readonly state: string;
}

export interface StackCost {
  readonly region: string;
  readonly pricesAsOf: string;
  /** Monthly total of the always-on lines, USD; null when the region has no prices. */
  readonly monthlyUsd: number | null;
  readonly monthly: CostLine[];
  /** The most a single training workflow run can cost (every job runs to its stopping condition). */
  readonly trainingRunMaxUsd: number | null;
  readonly trainingRun: TrainingRunLine[];
  /** What could not be priced, one line each. */
  readonly unknown: string[];
  readonly excluded: string;
}

const EXCLUDED = "data transfer and processing, ALB LCUs, NAT GB processed, S3, ECR and log storage, requests, Lambda, Step Functions transitions";

type Inputs = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : undefined);

export function estimateStackCost(plan: Plan, region: string): StackCost {
  const monthly: CostLine[] = [];
  const trainingRun: TrainingRunLine[] = [];
  const unknown: string[] = [];
  if (!PRICES[region]) {
    return {
      region, pricesAsOf: PRICES_AS_OF, monthlyUsd: null, monthly, trainingRunMaxUsd: null, trainingRun,
      unknown: [`no prices for region ${region} in components/pricing.ts (have: ${Object.keys(PRICES).join(", ")})`],
      excluded: EXCLUDED,
    };
  }
  const priced = (item: string, quantity: number, what: string): CostLine | undefined => {
    const price = priceOf(region, item);
    if (!price) unknown.push(`${what}: no price for ${item} in ${region}`);
    return price && line(item, quantity, price);
  };
  const add = (to: CostLine[], item: string, quantity: number, what: string) => {
    const l = priced(item, quantity, what);
    if (l) to.push(l);
  };
  const ofType = (type: string) => plan.resources.filter((r) => r.type === type);

  let nat = 0;
  for (const vpc of ofType("awsx:ec2:Vpc")) {
    const strategy = (vpc.inputs.natGateways as Inputs | undefined)?.strategy;
    const azs = num(vpc.inputs.numberOfAvailabilityZones) ?? 3;
    nat += strategy === "None" ? 0 : strategy === "Single" ? 1 : azs;
  }
  if (nat > 0) add(monthly, "vpc/nat-gateway", nat * HOURS_PER_MONTH, `${nat} NAT gateway(s)`);

  const albs = ofType("aws:lb/loadBalancer:LoadBalancer").filter((r) => (r.inputs.loadBalancerType ?? "application") === "application");
  if (albs.length > 0) add(monthly, "alb/load-balancer", albs.length * HOURS_PER_MONTH, `${albs.length} load balancer(s)`);

  const taskDefs = ofType("aws:ecs/taskDefinition:TaskDefinition");
  for (const service of ofType("aws:ecs/service:Service")) {
    const def = taskDefs.find((t) => t.arn === service.inputs.taskDefinition) ?? (taskDefs.length === 1 ? taskDefs[0] : undefined);
    const tasks = num(service.inputs.desiredCount) ?? 1;
    const cpu = def && num(def.inputs.cpu);
    const memory = def && num(def.inputs.memory);
    if (!def || cpu === undefined || memory === undefined) {
      unknown.push(`ECS service ${service.name}: task size not found in the plan`);
      continue;
    }
    const arch = (def.inputs.runtimePlatform as Inputs | undefined)?.cpuArchitecture === "ARM64" ? "arm" : "x86";
    add(monthly, `fargate/${arch}/vcpu`, (tasks * cpu * HOURS_PER_MONTH) / 1024, `ECS service ${service.name}`);
    add(monthly, `fargate/${arch}/gb`, (tasks * memory * HOURS_PER_MONTH) / 1024, `ECS service ${service.name}`);
  }

  for (const env of ofType("aws:mwaa/environment:Environment")) {
    const estimate = estimateMwaaMonthlyCost({
      region,
      environmentClass: String(env.inputs.environmentClass ?? "mw1.small"),
      minWorkers: num(env.inputs.minWorkers) ?? 1,
      schedulers: num(env.inputs.schedulers) ?? 2,
    });
    if (estimate) monthly.push(...estimate.breakdown);
    else unknown.push(`MWAA environment ${env.name}: no ${String(env.inputs.environmentClass)} prices in ${region}`);
  }

  for (const sm of ofType("aws:sfn/stateMachine:StateMachine")) {
    trainingRunLines(sm, (state, item, hours) => {
      const l = priced(item, hours, `state ${state}`);
      if (l) trainingRun.push({ ...l, state });
    }, unknown);
  }

  const total = (lines: CostLine[]) => cents(lines.reduce((s, l) => s + l.usd, 0));
  return {
    region,
    pricesAsOf: PRICES_AS_OF,
    monthlyUsd: total(monthly),
    monthly,
    trainingRunMaxUsd: trainingRun.length > 0 ? total(trainingRun) : null,
    trainingRun,
    unknown,
    excluded: EXCLUDED,
  };
}

/** SageMaker jobs of a state machine definition, each at its instance count and stopping condition. */
function trainingRunLines(sm: PlannedResource, add: (state: string, item: string, hours: number) => void, unknown: string[]): void {
  let definition: { States?: Record<string, Inputs> };
  try {
    definition = JSON.parse(String(sm.inputs.definition));
  } catch {
    unknown.push(`state machine ${sm.name}: definition is not JSON`);
    return;
  }
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    const resource = String(state.Resource ?? "");
    const params = (state.Parameters ?? state.Arguments ?? {}) as Inputs;
    const kind = resource.includes("createTrainingJob") ? "training" : resource.includes("createProcessingJob") ? "processing" : undefined;
    if (!kind) continue;
    const res = (kind === "training" ? params.ResourceConfig : (params.ProcessingResources as Inputs | undefined)?.ClusterConfig) as Inputs | undefined;
    const type = res?.InstanceType;
    const count = num(res?.InstanceCount) ?? 1;
    const seconds = num((params.StoppingCondition as Inputs | undefined)?.MaxRuntimeInSeconds);
    if (typeof type !== "string" || seconds === undefined) {
      unknown.push(`state ${name}: instance type or stopping condition not found`);
      continue;
    }
    add(name, `sagemaker/${type}/${kind}`, (count * seconds) / 3600);
  }
}

export function renderCost(c: StackCost): string {
  const lines = [`Estimated cost (${c.region}, on-demand list prices of ${c.pricesAsOf}):`];
  // A training run's line names its job: preprocessing and evaluation are both `…/processing` at the same price.
  const label = (l: CostLine | TrainingRunLine) => ("state" in l ? `${l.item} (${l.state})` : l.item);
  const width = Math.max(36, ...[...c.monthly, ...c.trainingRun].map((l) => label(l).length));
  const row = (l: CostLine | TrainingRunLine) =>
    `  ${label(l).padEnd(width)} ${l.quantity.toFixed(1).padStart(9)} ${l.unit.padEnd(8)} x $${String(l.usdPerUnit).padEnd(8)} = $${l.usd.toFixed(2).padStart(9)}${l.unverified ? "  (unverified price)" : ""}`;
  if (c.monthlyUsd !== null) {
    lines.push(`  per month, always on: $${c.monthlyUsd.toFixed(2)}`, ...c.monthly.map(row));
  }
  if (c.trainingRunMaxUsd !== null) lines.push(`  one training run, at most: $${c.trainingRunMaxUsd.toFixed(2)}`, ...c.trainingRun.map(row));
  for (const u of c.unknown) lines.push(`  unknown: ${u}`);
  lines.push(`  not included: ${c.excluded}`);
  return lines.join("\n");
}
