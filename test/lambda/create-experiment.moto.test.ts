// create-experiment against moto's SageMaker Experiments on 127.0.0.1: the experiment and the executions' trials it
// creates are read back through the API (DescribeExperiment, DescribeTrial, ListTrials). moto keeps only names: it
// drops an experiment's Description and a trial's MetadataProperties and Tags, and answers a repeated CreateExperiment/CreateTrial
// without the error SageMaker gives; those are covered on the requests in create-experiment.test.ts.
import {
  DescribeExperimentCommand,
  DescribeTrialCommand,
  ListExperimentsCommand,
  ListTrialsCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExperimentNames } from "../../lambda/create-experiment/index";
import { jobPrefix } from "../../contracts/training-run";
import { clientConfig, motoServerForFile } from "../support/moto";

const PIPELINE = "edge-mlops-test";
const START = "2026-11-25T06:00:00.123Z";
const EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:edge-mlops-test-training:run-42";

const moto = motoServerForFile();
let sagemaker: SageMakerClient;
let createExperiment: (event: unknown) => Promise<ExperimentNames>;

async function trialNames(): Promise<string[]> {
  const listed = await sagemaker.send(new ListTrialsCommand({ ExperimentName: PIPELINE }));
  return (listed.TrialSummaries ?? []).map((t) => t.TrialName!).sort();
}

beforeAll(async () => {
  ({ handler: createExperiment } = await import("../../lambda/create-experiment/index"));
  sagemaker = new SageMakerClient(clientConfig(moto()));
});

beforeEach(async () => {
  await moto().reset();
});

describe("create-experiment against moto", () => {
  it("creates the pipeline's experiment and the execution's trial in it", async () => {
    const names = await createExperiment({
      executionName: "run-42",
      executionStartTime: START,
      executionArn: EXECUTION_ARN,
      pipelineName: PIPELINE,
      dataPrefix: "s3://edge-mlops-test-data/incoming/",
    });

    const prefix = jobPrefix(PIPELINE, "run-42", START);
    expect(names).toEqual({ experimentName: PIPELINE, trialName: prefix, jobPrefix: prefix });
    const experiment = await sagemaker.send(new DescribeExperimentCommand({ ExperimentName: PIPELINE }));
    expect(experiment.ExperimentName).toBe(PIPELINE);
    const trial = await sagemaker.send(new DescribeTrialCommand({ TrialName: prefix }));
    expect(trial).toMatchObject({ TrialName: prefix, ExperimentName: PIPELINE });
    expect(await trialNames()).toEqual([prefix]);
  });

  it("puts every execution's trial in the one experiment of the pipeline", async () => {
    process.env.PIPELINE_NAME = PIPELINE;
    try {
      const first = await createExperiment({ executionName: "run-1", executionStartTime: START });
      const second = await createExperiment({ executionName: "run-2", executionStartTime: START });

      expect(await trialNames()).toEqual([first.trialName, second.trialName].sort());
      const experiments = await sagemaker.send(new ListExperimentsCommand({}));
      expect(experiments.ExperimentSummaries?.map((e) => e.ExperimentName)).toEqual([PIPELINE]);
    } finally {
      delete process.env.PIPELINE_NAME;
    }
  });

  it("succeeds again when Step Functions retries the same execution, leaving one trial", async () => {
    const event = { executionName: "run-7", executionStartTime: START, pipelineName: PIPELINE };

    const first = await createExperiment(event);
    const retried = await createExperiment(event);

    expect(retried).toEqual(first);
    expect(await trialNames()).toEqual([first.trialName]);
  });
});
