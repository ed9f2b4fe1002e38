// The ArgError a call throws, for tests that check its parts (component, arg, problem) one by one.
import { ArgError } from "../../components/args";

/** Calls `f` and returns the ArgError it throws; fails if it throws anything else or nothing. */
export function argErrorOf(f: () => unknown): ArgError {
  try {
    f();
  } catch (e) {
    if (e instanceof ArgError) return e;
    throw e;
  }
  throw new Error("expected an ArgError, nothing was thrown");
}
