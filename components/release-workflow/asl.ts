/**
 * The Amazon States Language (JSONPath) the release workflow needs beyond the training workflow's subset
 * (components/training-workflow/asl.ts, whose Task, Retrier, Catcher, payload and inspection helpers it reuses):
 * Parallel branches, Wait and Pass states, Choice rules on strings, Succeed with an OutputPath and Fail states with a
 * fixed error. Pure types and builders, no Pulumi.
 */
import type { Catcher, PayloadTemplate, Retrier, TaskState } from "../training-workflow/asl";

export { fromPath, payload, selectPayloadFields, tasksWithoutRetryOrCatch, type Catcher, type PayloadTemplate, type Retrier, type TaskState } from "../training-workflow/asl";

/** Any branch of a Parallel: this module's, or the edge branch's own state types (edge-branch.ts). */
export interface AnyBranch {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, object>>;
}

export interface ParallelState {
  readonly Type: "Parallel";
  readonly Comment?: string;
  /** The same input for every branch (else the state's input). */
  readonly Parameters?: PayloadTemplate;
  readonly Branches: readonly AnyBranch[];
  readonly ResultSelector?: PayloadTemplate;
  readonly ResultPath: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch: readonly Catcher[];
  readonly Next: string;
}

export interface WaitState {
  readonly Type: "Wait";
  readonly Comment?: string;
  readonly Seconds: number;
  readonly Next: string;
}

export interface PassState {
  readonly Type: "Pass";
  readonly Comment?: string;
  readonly Result?: PayloadTemplate;
  readonly Parameters?: PayloadTemplate;
  readonly ResultPath: string;
  readonly Next: string;
}

/** One Choice rule: a boolean, a string or a lower bound compared with the value at `Variable`. */
export type ChoiceRule =
  | { readonly Variable: string; readonly BooleanEquals: boolean; readonly Next: string }
  | { readonly Variable: string; readonly StringEquals: string; readonly Next: string }
  | { readonly Variable: string; readonly NumericGreaterThanEquals: number; readonly Next: string };

export interface ChoiceState {
  readonly Type: "Choice";
  readonly Comment?: string;
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
}

export interface SucceedState {
  readonly Type: "Succeed";
  readonly Comment?: string;
  readonly OutputPath?: string;
}

/** A Fail state: its error fixed or from a path, its cause from a path. */
export type FailState = {
  readonly Type: "Fail";
  readonly Comment?: string;
  readonly CausePath: string;
} & ({ readonly Error: string } | { readonly ErrorPath: string });

/** A state the release workflow builds; a Lambda or SDK Task is the training workflow's TaskState. */
export type State = TaskState | ParallelState | WaitState | PassState | ChoiceState | SucceedState | FailState;

/** A Parallel branch (or any state list): where it starts and its states. */
export interface Branch {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

export interface StateMachineDefinition extends Branch {
  readonly Comment: string;
}
