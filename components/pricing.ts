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
// List API (EU-Airflow-*): confirm them there before quoting an estimate as a budget.
// Only classes whose three MWAA prices (environment, additional worker, additional scheduler) are all listed have an
// estimate; mw1.micro, mw1.xlarge and mw1.2xlarge are not in the table yet.

import { MWAA_ENVIRONMENT_CLASSES } from "./config";

/** The date the table was compiled. */
export const PRICES_AS_OF = "2026-11-25";

/** Hours in the month every monthly estimate uses (365 × 24 / 12 = 730, the AWS pricing pages' convention). */
export const HOURS_PER_MONTH = 730;

export type PriceUnit = "hour" | "GB-month";

export interface Price {
  readonly usd: number;
  readonly unit: PriceUnit;
}

const hourly = (usd: number): Price => ({ usd, unit: "hour" });

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
  },
  "eu-west-1": {
    "mwaa/mw1.small/environment": hourly(0.54),
    "mwaa/mw1.small/worker": hourly(0.06),
    "mwaa/mw1.small/scheduler": hourly(0.06),
    "mwaa/mw1.medium/environment": hourly(0.82),
    "mwaa/mw1.medium/worker": hourly(0.12),
    "mwaa/mw1.medium/scheduler": hourly(0.12),
    "mwaa/mw1.large/environment": hourly(1.1),
    "mwaa/mw1.large/worker": hourly(0.24),
    "mwaa/mw1.large/scheduler": hourly(0.24),
    "mwaa/metadata-database": { usd: 0.11, unit: "GB-month" },
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

function line(item: string, quantity: number, price: Price): CostLine {
  return { item, quantity, unit: price.unit, usdPerUnit: price.usd, usd: cents(quantity * price.usd) };
}

function cents(usd: number): number {
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
