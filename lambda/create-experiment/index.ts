/**
 * First step of the training workflow: names the run for lineage.
 *
 * Event (from Step Functions): CreateExperimentEvent of contracts/training-payloads.ts,
 *   { executionName, executionStartTime?, executionArn?, pipelineName?, dataPrefix? }
 * `pipelineName` falls back to the PIPELINE_NAME environment variable.
 *
 * Makes sure the SageMaker experiment `<pipelineName>` exists and creates the trial of this
 * execution in it (both idempotent: an existing experiment or trial of the same name is fine, so a
 * retried invocation succeeds), then returns ExperimentNames
 *   { experimentName, trialName, jobPrefix }
 * where every job of the run is named `<jobPrefix>-<suffix>` (see contracts/training-run.ts).
 */
import {
  CreateExperimentCommand,
  CreateTrialCommand,
  type CreateTrialCommandInput,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import * as z from "zod/mini";
import { STATES_EXECUTION_ARN } from "../../contracts/patterns";
import type { CreateExperimentEvent, ExperimentNames } from "../../contracts/training-payloads";
import { jobPrefix, PIPELINE_NAME } from "../../contracts/training-run";
import { parseEnv, parseEvent, InvalidEvent, S3_URI } from "../shared/validation";

const sagemaker = new SageMakerClient({});

/** The contract's event, checked: the handler reads only what the state machine sends. */
const Event: z.ZodMiniType<CreateExperimentEvent> = z.object({
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
  executionStartTime: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:?\d{2})$/))),
  executionArn: z.optional(z.string().check(z.regex(STATES_EXECUTION_ARN))),
  pipelineName: z.optional(z.string().check(z.regex(PIPELINE_NAME))),
  dataPrefix: z.optional(z.string().check(z.regex(S3_URI))),
});

const Env = z.object({
  PIPELINE_NAME: z.optional(z.string().check(z.regex(PIPELINE_NAME))),
});

export type { ExperimentNames };

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
