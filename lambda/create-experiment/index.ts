/**
 * First step of the training workflow: names the run for lineage.
 *
 * Event (from Step Functions):
 *   { executionName, executionStartTime?, executionArn?, pipelineName?, dataPrefix? }
 * `pipelineName` falls back to the PIPELINE_NAME environment variable.
 *
 * Makes sure the SageMaker experiment `<pipelineName>` exists and creates the trial of this
 * execution in it (both idempotent: an existing experiment or trial of the same name is fine, so a
 * retried invocation succeeds), then returns
 *   { experimentName, trialName, jobPrefix }
 * where every job of the run is named `<jobPrefix>-<suffix>` (see ../shared/names.ts).
 */
import {
  CreateExperimentCommand,
  CreateTrialCommand,
  type CreateTrialCommandInput,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import * as z from "zod/mini";
import { jobPrefix, PIPELINE_NAME } from "../../contracts/training-run";
import { parseEnv, parseEvent, InvalidEvent, S3_URI } from "../shared/validation";

const sagemaker = new SageMakerClient({});

const Event = z.object({
  /** `$$.Execution.Name`: 1-80 characters. */
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
  /** `$$.Execution.StartTime` (ISO-8601); makes job names unique when an execution name is reused. */
  executionStartTime: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:?\d{2})$/))),
  /** `$$.Execution.Id`: recorded as the trial's GeneratedBy. */
  executionArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s]+$/))),
  pipelineName: z.optional(z.string().check(z.regex(PIPELINE_NAME))),
  /** Where the run reads its data; recorded as a tag of the trial. */
  dataPrefix: z.optional(z.string().check(z.regex(S3_URI))),
});

const Env = z.object({
  PIPELINE_NAME: z.optional(z.string().check(z.regex(PIPELINE_NAME))),
});

export interface ExperimentNames {
  readonly experimentName: string;
  readonly trialName: string;
  readonly jobPrefix: string;
}

/** SageMaker answers a duplicate name with ResourceInUse or with a ValidationException saying so. */
function alreadyExists(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ResourceInUse") return true;
  return err.name === "ValidationException" && /already exists|must be unique/i.test(err.message);
}

async function createUnlessExists(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!alreadyExists(err)) throw err;
  }
}

export const handler = async (event: unknown): Promise<ExperimentNames> => {
  const input = parseEvent(Event, event);
  const env = parseEnv(Env, process.env);
  const pipelineName = input.pipelineName ?? env.PIPELINE_NAME;
  if (pipelineName === undefined) {
    throw new InvalidEvent("invalid event: event.pipelineName: missing, and PIPELINE_NAME is not set");
  }
  const prefix = jobPrefix(pipelineName, input.executionName, input.executionStartTime);
  const names: ExperimentNames = { experimentName: pipelineName, trialName: prefix, jobPrefix: prefix };

  await createUnlessExists(() =>
    sagemaker.send(
      new CreateExperimentCommand({
        ExperimentName: names.experimentName,
        Description: `Training runs of the ${pipelineName} workflow`,
      }),
    ),
  );
  const trial: CreateTrialCommandInput = { TrialName: names.trialName, ExperimentName: names.experimentName };
  if (input.executionArn !== undefined) trial.MetadataProperties = { GeneratedBy: input.executionArn };
  if (input.dataPrefix !== undefined) trial.Tags = [{ Key: "edge-mlops:data-prefix", Value: input.dataPrefix }];
  await createUnlessExists(() => sagemaker.send(new CreateTrialCommand(trial)));
  return names;
};
