// The straight line through a benchmark's runs (ordinary least squares), with the standard error of its slope: what
// one more unit of input costs, estimated from every run instead of the difference of two noisy medians. Pure; used by
// scripts/bench-plan.ts.

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface LineFit {
  /** Change of y per unit of x. */
  readonly slope: number;
  /** y at x = 0. */
  readonly intercept: number;
  /** Standard error of the slope (0 when every point lies on the line). */
  readonly slopeStdError: number;
  /** Number of points fitted. */
  readonly points: number;
}

/**
 * Fits y = intercept + slope · x to `points` by least squares. Needs at least 3 points (the slope's standard error
 * has n − 2 degrees of freedom) and at least two distinct x values; throws otherwise, naming what is missing.
 */
export function fitLine(points: readonly Point[]): LineFit {
  const n = points.length;
  if (n < 3) throw new Error(`fitLine: needs at least 3 points, got ${n}`);
  if (points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) throw new Error("fitLine: every x and y must be a finite number");
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (sxx === 0) throw new Error("fitLine: needs at least two distinct x values");
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const sse = points.reduce((s, p) => s + (p.y - intercept - slope * p.x) ** 2, 0);
  return { slope, intercept, slopeStdError: Math.sqrt(sse / (n - 2) / sxx), points: n };
}
