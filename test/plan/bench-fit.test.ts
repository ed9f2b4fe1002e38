// The per-device cost bench:plan prints is the slope of a least-squares line through every run (scripts/bench/fit.ts).
import { describe, expect, it } from "vitest";
import { fitLine } from "../../scripts/bench/fit";

describe("fitLine", () => {
  it("recovers a line its points lie on, with no error", () => {
    const fit = fitLine([0, 50, 200, 0, 50, 200].map((x) => ({ x, y: 2000 + 9.5 * x })));
    expect(fit.slope).toBeCloseTo(9.5, 10);
    expect(fit.intercept).toBeCloseTo(2000, 8);
    expect(fit.slopeStdError).toBeCloseTo(0, 10);
    expect(fit.points).toBe(6);
  });

  it("fits scattered runs by least squares and gives the slope's standard error", () => {
    // Worked by hand: mean x = 2, mean y = 2.6; Sxx = 10, Sxy = 9; residuals 0.2, -0.7, 0.4, 0.5, -0.4 (SSE 1.1).
    const fit = fitLine([
      { x: 0, y: 1 },
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 4 },
      { x: 4, y: 4 },
    ]);
    expect(fit.slope).toBeCloseTo(0.9, 12);
    expect(fit.intercept).toBeCloseTo(0.8, 12);
    expect(fit.slopeStdError).toBeCloseTo(Math.sqrt(1.1 / 3 / 10), 12);
  });

  it("is not pulled by the order of the runs", () => {
    const points = [
      { x: 0, y: 2100 },
      { x: 200, y: 4000 },
      { x: 50, y: 2500 },
      { x: 0, y: 1900 },
      { x: 200, y: 4100 },
    ];
    expect(fitLine([...points].reverse())).toEqual(fitLine(points));
  });

  it("refuses what no line can be fitted to, saying what is missing", () => {
    expect(() => fitLine([{ x: 0, y: 1 }, { x: 1, y: 2 }])).toThrow("fitLine: needs at least 3 points, got 2");
    expect(() => fitLine([0, 0, 0].map((x, i) => ({ x, y: i })))).toThrow("fitLine: needs at least two distinct x values");
    expect(() => fitLine([{ x: 0, y: 1 }, { x: 1, y: Number.NaN }, { x: 2, y: 3 }])).toThrow("fitLine: every x and y must be a finite number");
  });
});
