// The model store's settings as one schema: the stack whose names it uses, protection and how long replaced objects
// are kept. The model store holds data, not configuration: which model a stack serves is the value of the SSM
// pointer it creates once (contracts/model-release.ts), owned afterwards by the release workflow.
import { z } from "zod";
import { int } from "../args";

export const modelStoreSettings = z.strictObject({
  /** The stack name: the SSM parameters are `/edge-mlops/<stack>/…` (contracts/model-release.ts). 1 to 64 characters of a-z, 0-9, '-' and '_'. */
  stack: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 characters of a-z, A-Z, 0-9, '-' and '_'"),
  /** Protect the bucket (released models live there) from deletion and replacement: the stack's `protect`. @default false */
  protect: z.boolean().default(false),
  /**
   * Days a noncurrent object version is kept (released keys are written once, so only the bootstrap object ever has
   * noncurrent versions), 1 to 3650. @default 90
   */
  noncurrentVersionDays: int(1, 3650).default(90),
});

/** The model store's settings as given (defaults optional). */
export type ModelStoreSettingsInput = z.input<typeof modelStoreSettings>;
