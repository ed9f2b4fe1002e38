/**
 * SNS rules: a topic takes publishes over TLS only. The deny sits in the topic's access policy — the topic's own
 * `policy` input, or a TopicPolicy whose `arn` is the topic's ARN — the way the observability component builds the
 * alarm topic's policy (`alarmTopicPolicy` in components/observability).
 */
import { ALWAYS_MANDATORY, type StackFinding, type StackRule } from "./types";
import { actionMatches, asList, companionsOf, deniesEveryoneWithoutTls, isUnknown, keysOf, ofTypes, readDocument, statementsOf, type Statement } from "./util";

const TOPIC_TYPES = ["aws:sns/topic:Topic"];
const TOPIC_POLICY_TYPES = ["aws:sns/topicPolicy:TopicPolicy"];

/** Whether a statement denies sns:Publish on the topic (or "*") to everyone when the request does not use TLS. */
function deniesPublishWithoutTls(st: Statement, topicArn: string | undefined): boolean {
  if (!deniesEveryoneWithoutTls(st)) return false;
  if (!asList(st.Action).some((a) => typeof a === "string" && actionMatches(a, "sns:Publish"))) return false;
  const resources = asList(st.Resource);
  return resources.includes("*") || topicArn === undefined || resources.includes(topicArn);
}

export const snsTlsOnly: StackRule = {
  kind: "stack",
  subjectTypes: TOPIC_TYPES,
  name: "sns-tls-only",
  description:
    "Every SNS topic's access policy denies sns:Publish to every principal when aws:SecureTransport is false, so no " +
    "message reaches the topic over plain HTTP (the SNS Developer Guide's \"enforce encryption of data in transit\").",
  mapsTo: { none: "Checkov (CKV_AWS_26), Trivy (AVD-AWS-0095) and Security Hub (SNS.1) check that a topic is encrypted at rest, none that its policy refuses publishes without TLS" },
  severity: ALWAYS_MANDATORY,
  awsDefaults: [
    {
      setting: "TopicPolicy (or the topic's policy)",
      whenAbsent: "SNS's default topic policy, which lets the owning account publish and has no TLS condition",
      compliant: false,
      source: "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit",
    },
  ],
  checkStack: (resources) => {
    const candidates = ofTypes(resources, TOPIC_POLICY_TYPES);
    const findings: StackFinding[] = [];
    topics: for (const topic of ofTypes(resources, TOPIC_TYPES)) {
      const { found, undecided } = companionsOf(topic, candidates, "arn", keysOf(topic.arn, topic.id));
      const documents = [
        ...(topic.inputs.policy !== undefined ? [{ label: `policy of topic "${topic.name}"`, value: topic.inputs.policy }] : []),
        ...found.map((c) => ({ label: `policy of "${c.name}"`, value: c.inputs.policy })),
      ];
      if (documents.length === 0) {
        if (!undecided) {
          findings.push({
            urn: topic.urn,
            message: `topic "${topic.name}" has no topic policy, so SNS accepts publishes over plain HTTP: add a TopicPolicy that denies sns:Publish to Principal "*" when aws:SecureTransport is "false"`,
          });
        }
        continue;
      }
      const problems: string[] = [];
      for (const { label, value } of documents) {
        const read = readDocument(value, label);
        if (isUnknown(read)) continue topics;
        if ("error" in read) {
          problems.push(read.error);
          continue;
        }
        if (statementsOf(read.doc).statements.some((st) => deniesPublishWithoutTls(st, topic.arn))) continue topics;
        problems.push(`${label} has no Deny of sns:Publish for Principal "*" on the topic when aws:SecureTransport is "false"`);
      }
      findings.push({ urn: topic.urn, message: `topic "${topic.name}" accepts publishes without TLS: ${problems.join("; ")}` });
    }
    return findings;
  },
};

export const SNS_RULES = [snsTlsOnly];
