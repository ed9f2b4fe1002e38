// A LambdaFunction's settings as one schema: every default and range stated once, with the Lambda quota each comes
// from (AWS Lambda Developer Guide, "Lambda quotas"). Reserved concurrency is off unless asked for: a reservation
// spends the account's concurrency quota, which a fresh account may not have to spare.
import { z } from "zod";
import { int, retentionDays } from "../args";

export const lambdaFunctionSettings = z.object({
  /** Folder under `lambda/` holding the handler's `index.ts` (exported `handler`): a-z, 0-9 and '-'. */
  folder: z.string().regex(/^[a-z0-9-]+$/, "must be a folder name under lambda/ (a-z, 0-9 and '-')"),
  /** Up to 256 characters (Lambda's limit). @default "" */
  description: z.string().max(256).default(""),
  /**
   * Concurrent executions reserved for (and capping) the function, 1 to 1000. Unset, the function is unreserved: it
   * draws on the account's shared pool. AWS keeps the account's UnreservedConcurrentExecutions at 10 or more, so
   * PutFunctionConcurrency fails once the reservations of all functions in the account and region would leave fewer
   * (Lambda Developer Guide, "Configuring reserved concurrency"); a new account's concurrency quota can be 10, where any
   * reservation fails. Reserve only where the account's quota leaves room (Service Quotas, L-B99A9384).
   * @default undefined (unreserved)
   */
  reservedConcurrency: int(1, 1000).optional(),
  /** Seconds before Lambda stops an invocation, 1 to 900 (Lambda's maximum timeout). @default 30 */
  timeoutSeconds: int(1, 900).default(30),
  /** Memory in MiB, 128 to 10240 (Lambda's range). @default 256 */
  memoryMb: int(128, 10240).default(256),
  /** Days the function's log group keeps logs. @default 30 */
  logRetentionDays: retentionDays.default(30),
  /** @default "arm64" (Graviton: cheaper per GB-second for the same handler) */
  architecture: z.enum(["arm64", "x86_64"]).default("arm64"),
});

/** A LambdaFunction's settings as given (defaults optional). */
export type LambdaFunctionSettingsInput = z.input<typeof lambdaFunctionSettings>;
