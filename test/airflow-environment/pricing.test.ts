import { describe, expect, it } from "vitest";
import { estimateMwaaMonthlyCost, HOURS_PER_MONTH, PRICES, PRICES_AS_OF, priceOf } from "../../components/pricing";

describe("price table", () => {
  it("is dated and holds us-east-1 and eu-west-1 as region → item → USD/unit", () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(HOURS_PER_MONTH).toBe(730);
    expect(priceOf("us-east-1", "mwaa/mw1.small/environment")).toEqual({ usd: 0.49, unit: "hour" });
    expect(priceOf("eu-west-1", "mwaa/mw1.medium/worker")).toEqual({ usd: 0.12, unit: "hour", unverified: true });
    expect(priceOf("eu-west-1", "mwaa/mw1.micro/environment")).toBeUndefined();
    expect(priceOf("ap-south-2", "mwaa/mw1.small/environment")).toBeUndefined();
    for (const items of Object.values(PRICES)) for (const p of Object.values(items)) expect(p.usd).toBeGreaterThan(0);
  });
});

describe("estimateMwaaMonthlyCost", () => {
  it("prices the base environment alone: mw1.small in us-east-1 with 1 worker and 2 schedulers", () => {
    expect(estimateMwaaMonthlyCost({ region: "us-east-1", environmentClass: "mw1.small", minWorkers: 1, schedulers: 2 })).toEqual({
      usd: 357.7,
      breakdown: [{ item: "mwaa/mw1.small/environment", quantity: 730, unit: "hour", usdPerUnit: 0.49, usd: 357.7 }],
    });
  });

  it("adds workers above the first and schedulers above two: mw1.medium in us-east-1, 3 workers, 3 schedulers", () => {
    expect(estimateMwaaMonthlyCost({ region: "us-east-1", environmentClass: "mw1.medium", minWorkers: 3, schedulers: 3 })).toEqual({
      usd: 781.1,
      breakdown: [
        { item: "mwaa/mw1.medium/environment", quantity: 730, unit: "hour", usdPerUnit: 0.74, usd: 540.2 },
        { item: "mwaa/mw1.medium/worker", quantity: 1460, unit: "hour", usdPerUnit: 0.11, usd: 160.6 },
        { item: "mwaa/mw1.medium/scheduler", quantity: 730, unit: "hour", usdPerUnit: 0.11, usd: 80.3 },
      ],
    });
  });

  it("prices the prod stack's shape in eu-west-1: mw1.medium, 2 workers, 2 schedulers", () => {
    const estimate = estimateMwaaMonthlyCost({ region: "eu-west-1", environmentClass: "mw1.medium", minWorkers: 2, schedulers: 2 });
    expect(estimate?.usd).toBe(686.2);
    expect(estimate?.breakdown.map((l) => [l.item, l.usd])).toEqual([
      ["mwaa/mw1.medium/environment", 598.6],
      ["mwaa/mw1.medium/worker", 87.6],
    ]);
  });

  it("returns undefined for a region or class the table does not price, never a guess", () => {
    expect(estimateMwaaMonthlyCost({ region: "ap-south-2", environmentClass: "mw1.small", minWorkers: 1, schedulers: 2 })).toBeUndefined();
    expect(estimateMwaaMonthlyCost({ region: "eu-west-1", environmentClass: "mw1.2xlarge", minWorkers: 1, schedulers: 2 })).toBeUndefined();
  });

  it("rejects impossible input, naming the arg", () => {
    expect(() => estimateMwaaMonthlyCost({ region: "eu-west-1", environmentClass: "mw9.big", minWorkers: 1, schedulers: 2 })).toThrow(/environmentClass 'mw9.big'/);
    expect(() => estimateMwaaMonthlyCost({ region: "eu-west-1", environmentClass: "mw1.small", minWorkers: 0, schedulers: 2 })).toThrow(/minWorkers must be a positive integer, got 0/);
    expect(() => estimateMwaaMonthlyCost({ region: "eu-west-1", environmentClass: "mw1.small", minWorkers: 1, schedulers: 2.5 })).toThrow(/schedulers must be a positive integer, got 2.5/);
  });
});
