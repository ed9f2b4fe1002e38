import { expect } from "vitest";
import { ConfigError } from "../../components/args";

/** The ConfigError `run` throws; fails the test when it throws something else or nothing. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
