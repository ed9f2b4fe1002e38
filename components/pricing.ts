// On-demand list prices the plan uses to print what a stack will cost, and the estimates built from them.
//
// PRICES is region → item → USD per unit. Items are named `<service>/<what>` (e.g. `mwaa/mw1.small/environment`),
// so other services (Fargate, ALB, NAT gateway, SageMaker) add their own items without touching the MWAA ones.
// A region or item that is not in the table has no estimate: lookups return `undefined`, never a guess.
//
// Table compiled 2026-11-25 (PRICES_AS_OF), on-demand USD excluding tax. Source pages:
//   - "Amazon Managed Workflows for Apache Airflow Pricing" (aws.amazon.com/managed-workflows-for-apache-airflow/pricing),
//     region tabs "US East (N. Virginia)" and "Europe (Ireland)".
//   - AWS Price List API, service code AmazonMWAA, usage types <region>-Airflow-<Size>Environment, -<Size>Worker,
//     -<Size>Scheduler (USE1-* for us-east-1, EU-* for eu-west-1): the machine-readable form of the same figures.
// The us-east-1 figures match the Price List API. The eu-west-1 figures have not been cross-checked against the Price
// List API: they are marked `unverified` and every report marks the lines built from them.
// Only classes whose three MWAA prices (environment, additional worker, additional scheduler) are all listed have an
// estimate; mw1.micro, mw1.xlarge and mw1.2xlarge are not in the table yet.

import { MWAA_ENVIRONMENT_CLASSES } from "./airflow-environment/mwaa";

/** The date the table was compiled. */
export const PRICES_AS_OF = "2026-11-25";

/** Hours in the month every monthly estimate uses (365 × 24 / 12 = 730, the AWS pricing pages' convention). */
export const HOURS_PER_MONTH = 730;

export type PriceUnit = "hour" | "GB-month";

export interface Price {
  readonly usd: number;
  readonly unit: PriceUnit;
  /** Set when the figure has not been checked against the AWS Price List; reports mark such lines. */
  readonly unverified?: true;
}

const hourly = (usd: number): Price => ({ usd, unit: "hour" });
/** A figure not yet checked against the AWS Price List. */
const unverified = (p: Price): Price => ({ ...p, unverified: true });

/** Region → item → price. Add regions and items; never change a figure without updating PRICES_AS_OF. */
export const PRICES: Readonly<Record<string, Readonly<Record<string, Price>>>> = {
  "us-east-1": {
    "mwaa/mw1.small/environment": hourly(0.49),
    "mwaa/mw1.small/worker": hourly(0.055),
    "mwaa/mw1.small/scheduler": hourly(0.055),
    "mwaa/mw1.medium/environment": hourly(0.74),
    "mwaa/mw1.medium/worker": hourly(0.11),
    "mwaa/mw1.medium/scheduler": hourly(0.11),
    "mwaa/mw1.large/environment": hourly(0.99),
    "mwaa/mw1.large/worker": hourly(0.22),
    "mwaa/mw1.large/scheduler": hourly(0.22),
    "mwaa/metadata-database": { usd: 0.1, unit: "GB-month" },
    // Fargate Linux on-demand ("AWS Fargate Pricing"), ALB and NAT gateway hours ("Elastic Load Balancing
    // pricing", "Amazon VPC pricing"; LCUs and processed GB depend on traffic and are not estimated),
    // SageMaker ml.m5.large training and processing instance hours ("Amazon SageMaker AI pricing").
    "fargate/x86/vcpu": hourly(0.04048),
    "fargate/x86/gb": hourly(0.004445),
    "fargate/arm/vcpu": hourly(0.03238),
    "fargate/arm/gb": hourly(0.00356),
    "alb/load-balancer": hourly(0.0225),
    "vpc/nat-gateway": hourly(0.045),
    "sagemaker/ml.m5.large/training": hourly(0.115),
    "sagemaker/ml.m5.large/processing": hourly(0.115),
  },
  "eu-west-1": {
    "mwaa/mw1.small/environment": unverified(hourly(0.54)),
    "mwaa/mw1.small/worker": unverified(hourly(0.06)),
    "mwaa/mw1.small/scheduler": unverified(hourly(0.06)),
    "mwaa/mw1.medium/environment": unverified(hourly(0.82)),
    "mwaa/mw1.medium/worker": unverified(hourly(0.12)),
    "mwaa/mw1.medium/scheduler": unverified(hourly(0.12)),
    "mwaa/mw1.large/environment": unverified(hourly(1.1)),
    "mwaa/mw1.large/worker": unverified(hourly(0.24)),
    "mwaa/mw1.large/scheduler": unverified(hourly(0.24)),
    "mwaa/metadata-database": unverified({ usd: 0.11, unit: "GB-month" }),
    "fargate/x86/vcpu": unverified(hourly(0.04048)),
    "fargate/x86/gb": unverified(hourly(0.004445)),
    "fargate/arm/vcpu": unverified(hourly(0.03238)),
    "fargate/arm/gb": unverified(hourly(0.00356)),
    "alb/load-balancer": unverified(hourly(0.0252)),
    "vpc/nat-gateway": unverified(hourly(0.048)),
    "sagemaker/ml.m5.large/training": unverified(hourly(0.128)),
    "sagemaker/ml.m5.large/processing": unverified(hourly(0.128)),
  },
};

/** The price of one item in one region, or `undefined` when the table does not have it. */
export function priceOf(region: string, item: string): Price | undefined {
  return PRICES[region]?.[item];
}

/** One line of an estimate: `quantity` units of `item` at `usdPerUnit`, `usd` rounded to cents. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: PriceUnit;
  readonly usdPerUnit: number;
  readonly usd: number;
  /** The price behind this line has not been checked against the AWS Price List. */
  readonly unverified?: true;
}

export interface CostEstimate {
  /** Total per month in USD, rounded to cents. */
  readonly usd: number;
  readonly breakdown: readonly CostLine[];
}

/**
 * What the hourly MWAA environment price is taken to include: the web server, one worker and the two schedulers every
 * Airflow 2 environment starts with. Each worker and scheduler above that is billed per hour at the class's
 * additional-worker / additional-scheduler price. (Check against the pricing page's worked examples when updating.)
 */
export const MWAA_INCLUDED = { workers: 1, schedulers: 2 } as const;

export interface MwaaCostInput {
  readonly region: string;
  readonly environmentClass: string;
  /** Workers always running (the estimate is the floor; autoscaling up to maxWorkers costs more while it lasts). */
  readonly minWorkers: number;
  readonly schedulers: number;
}

export function line(item: string, quantity: number, price: Price): CostLine {
  const out: CostLine = { item, quantity, unit: price.unit, usdPerUnit: price.usd, usd: cents(quantity * price.usd) };
  return price.unverified ? { ...out, unverified: true } : out;
}

export function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/**
 * Monthly cost of an MWAA environment running all month with `minWorkers` workers and `schedulers` schedulers
 * (metadata database storage and data transfer excluded: they depend on use). Returns `undefined` when the table
 * has no prices for the region or the class. Throws when a count is not a positive integer or the class is unknown.
 */
export function estimateMwaaMonthlyCost(input: MwaaCostInput): CostEstimate | undefined {
  const { region, environmentClass, minWorkers, schedulers } = input;
  if (!(MWAA_ENVIRONMENT_CLASSES as readonly string[]).includes(environmentClass)) {
    throw new Error(`estimateMwaaMonthlyCost: environmentClass '${environmentClass}' is not one of ${MWAA_ENVIRONMENT_CLASSES.join(", ")}`);
  }
  for (const [arg, value] of [["minWorkers", minWorkers], ["schedulers", schedulers]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`estimateMwaaMonthlyCost: ${arg} must be a positive integer, got ${value}`);
  }
  const environment = priceOf(region, `mwaa/${environmentClass}/environment`);
  const worker = priceOf(region, `mwaa/${environmentClass}/worker`);
  const scheduler = priceOf(region, `mwaa/${environmentClass}/scheduler`);
  if (!environment || !worker || !scheduler) return undefined;

  const extraWorkers = Math.max(0, minWorkers - MWAA_INCLUDED.workers);
  const extraSchedulers = Math.max(0, schedulers - MWAA_INCLUDED.schedulers);
  const breakdown = [line(`mwaa/${environmentClass}/environment`, HOURS_PER_MONTH, environment)];
  if (extraWorkers > 0) breakdown.push(line(`mwaa/${environmentClass}/worker`, extraWorkers * HOURS_PER_MONTH, worker));
  if (extraSchedulers > 0) breakdown.push(line(`mwaa/${environmentClass}/scheduler`, extraSchedulers * HOURS_PER_MONTH, scheduler));
  return { usd: cents(breakdown.reduce((sum, l) => sum + l.usd, 0)), breakdown };
}
