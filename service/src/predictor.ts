/**
 * Tree-ensemble predictor. At load, every tree of the model file is flattened into shared typed
 * arrays (child indices made absolute), so a prediction is a tight loop over numbers:
 *
 *   prediction = init + sum over trees of value[leaf reached]
 *
 * Feature vectors are Float32Arrays: scikit-learn compares float32 inputs with float64 thresholds,
 * and storing a JSON number into a Float32Array performs exactly that rounding. Summing the
 * (already learning-rate-scaled) leaf values in tree order reproduces scikit-learn's arithmetic.
 */
import type { ModelFile } from "./model";

export class Predictor {
  readonly featureCount: number;
  readonly treeCount: number;
  private readonly init: number;
  private readonly roots: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;

  /** `model` must have passed parseModel (tree shapes are trusted here). */
  constructor(model: ModelFile) {
    const nodes = model.trees.reduce((n, t) => n + t.feature.length, 0);
    this.featureCount = model.features.length;
    this.treeCount = model.trees.length;
    this.init = model.init;
    this.roots = new Int32Array(this.treeCount);
    this.feature = new Int32Array(nodes);
    this.threshold = new Float64Array(nodes);
    this.left = new Int32Array(nodes);
    this.right = new Int32Array(nodes);
    this.value = new Float64Array(nodes);
    let base = 0;
    model.trees.forEach((tree, t) => {
      this.roots[t] = base;
      for (let i = 0; i < tree.feature.length; i++) {
        const leaf = tree.left[i] === -1;
        this.feature[base + i] = leaf ? 0 : tree.feature[i]!;
        this.threshold[base + i] = tree.threshold[i]!;
        this.left[base + i] = leaf ? -1 : base + tree.left[i]!;
        this.right[base + i] = leaf ? -1 : base + tree.right[i]!;
        this.value[base + i] = tree.value[i]!;
      }
      base += tree.feature.length;
    });
  }

  /** Prediction for the feature vector at rows[offset .. offset + featureCount). */
  predictRow(rows: Float32Array, offset: number): number {
    const { roots, feature, threshold, left, right, value } = this;
    let sum = this.init;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      let next = left[node]!;
      while (next >= 0) {
        node = rows[offset + feature[node]!]! <= threshold[node]! ? next : right[node]!;
        next = left[node]!;
      }
      sum += value[node]!;
    }
    return sum;
  }

  /** Predictions for `count` feature vectors stored one after another in `rows`. */
  predict(rows: Float32Array, count: number): number[] {
    if (rows.length < count * this.featureCount) {
      throw new RangeError(`rows holds ${rows.length} values, ${count} vectors need ${count * this.featureCount}`);
    }
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = this.predictRow(rows, i * this.featureCount);
    return out;
  }
}
