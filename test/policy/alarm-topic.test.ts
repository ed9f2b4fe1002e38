// The observability component's alarm topic policy, judged by the pack: it denies publishing without TLS. (Its own
// file: the builder's module loads @pulumi/aws, which the pure builder tests do without.)
import { describe, expect, it } from "vitest";
import { alarmTopicPolicy } from "../../components/observability";
import { evaluate } from "../../policy/engine";
import { snsTlsOnly } from "../../policy/rules/sns";
import { ACCOUNT, T, TOPIC_ARN, res, topicStack } from "./fixtures";

describe("the alarm topic's policy", () => {
  it("denies publishing without TLS", () => {
    const [topic] = topicStack();
    const policy = res(T.topicPolicy, "alarms-policy", { arn: TOPIC_ARN, policy: JSON.stringify(alarmTopicPolicy(TOPIC_ARN, ACCOUNT)) });
    expect(evaluate([topic, policy], "prod", [snsTlsOnly])).toEqual([]);
  });
});
