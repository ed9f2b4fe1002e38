// S3 stack rules (pairing buckets with their separate encryption, versioning, public access block and policy resources)
// and the SNS topic's TLS-only policy, judged by the same deny.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/engine";
import { S3_RULES, s3Encryption, s3PublicAccessBlock, s3TlsOnly, s3Versioning } from "../../policy/rules/s3";
import { snsTlsOnly } from "../../policy/rules/sns";
import { UNKNOWN } from "../../policy/rules/types";
import { BUCKET_ID, T, TOPIC_ARN, allowAlarmsToPublish, bucket, compliantBucket, denyPublishWithoutTls, doc, res, tlsOnlyPolicy, topicStack } from "./fixtures";

const messages = (resources: Parameters<typeof evaluate>[0], rules = S3_RULES) => evaluate(resources, "prod", rules).map((v) => v.message);

describe("S3 rules", () => {
  it("report nothing for a bucket with every companion", () => {
    expect(messages(compliantBucket())).toEqual([]);
  });

  it("report all four gaps of a bare bucket against the bucket's URN", () => {
    const bare = bucket();
    const violations = evaluate([bare], "prod", S3_RULES);
    expect(violations.map((v) => [v.policy, v.urn])).toEqual([
      ["s3-encryption", bare.urn],
      ["s3-versioning", bare.urn],
      ["s3-public-access-block", bare.urn],
      ["s3-tls-only", bare.urn],
    ]);
  });

  it("pair companions by the bucket's id, not by resource name or order", () => {
    // Two buckets; the companions of "other" must not satisfy "data".
    const other = compliantBucket("other", "other-9e8d7c6");
    expect(messages([bucket("data"), ...other])).toEqual([
      `bucket "data" has no BucketServerSideEncryptionConfiguration: declare SSE-S3 (AES256) or SSE-KMS explicitly`,
      `bucket "data" has no BucketVersioning: enable versioning`,
      `bucket "data" has no BucketPublicAccessBlock`,
      `bucket "data" has no BucketPolicy denying requests without TLS`,
    ]);
  });

  it("match a companion by an explicit bucket name too", () => {
    const named = res(T.bucket, "named", { bucket: "edge-mlops-named" }, { id: "edge-mlops-named" });
    const versioning = res(T.versioning, "named-versioning", { bucket: "edge-mlops-named", versioningConfiguration: { status: "Enabled" } });
    expect(messages([named, versioning], [s3Versioning])).toEqual([]);
  });

  it("accept SSE-KMS and DSSE-KMS and the deprecated inline settings", () => {
    for (const sseAlgorithm of ["aws:kms", "aws:kms:dsse"]) {
      const sse = res(T.sse, "enc", { bucket: BUCKET_ID, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm, kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" } }] });
      expect(messages([bucket(), sse], [s3Encryption])).toEqual([]);
    }
    const inline = res(T.bucket, "inline", { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } }, versioning: { enabled: true } }, { id: "inline-1" });
    expect(messages([inline], [s3Encryption, s3Versioning])).toEqual([]);
  });

  it("name the algorithm of an encryption configuration that sets none it accepts", () => {
    const sse = res(T.sse, "enc", { bucket: BUCKET_ID, rules: [{ bucketKeyEnabled: true }] });
    expect(messages([bucket(), sse], [s3Encryption])).toEqual([
      `bucket "data" has no default encryption: "enc" sets no default sseAlgorithm of AES256, aws:kms, aws:kms:dsse (got [null])`,
    ]);
  });

  it("list every public access flag that is off", () => {
    const pab = res(T.pab, "pab", { bucket: BUCKET_ID, blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true });
    expect(messages([bucket(), pab], [s3PublicAccessBlock])).toEqual([
      `bucket "data" public access block leaves blockPublicPolicy, restrictPublicBuckets off; all four flags must be true`,
    ]);
  });

  describe("TLS-only policy", () => {
    const withPolicy = (policy: unknown) => messages([bucket(), res(T.bucketPolicy, "policy", { bucket: BUCKET_ID, policy })], [s3TlsOnly]);
    const deny = (over: Record<string, unknown>) =>
      doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET_ID}`, `arn:aws:s3:::${BUCKET_ID}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } }, ...over });

    it("accepts a Statement given as one object, a principal of AWS \"*\", a boolean false and Resource \"*\"", () => {
      const single = JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Deny", Principal: { AWS: ["*"] }, Action: ["s3:*"], Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } } });
      expect(withPolicy(single)).toEqual([]);
      expect(withPolicy(tlsOnlyPolicy())).toEqual([]);
    });

    it("rejects a deny that misses the objects, the principal, the actions or the condition", () => {
      for (const broken of [
        deny({ Resource: [`arn:aws:s3:::${BUCKET_ID}`] }),
        deny({ Principal: { AWS: "arn:aws:iam::123456789012:root" } }),
        deny({ Action: ["s3:GetObject"] }),
        deny({ Condition: { Bool: { "aws:SecureTransport": "true" } } }),
        deny({ Effect: "Allow" }),
        // A further condition narrows the deny to some requests only.
        deny({ Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "123456789012" } } }),
        deny({ Condition: { Bool: { "aws:SecureTransport": "false", "aws:ViaAWSService": "false" } } }),
        deny({ Condition: { Bool: { "aws:SecureTransport": [] } } }),
        deny({ Condition: {} }),
      ]) {
        expect(withPolicy(broken)).toHaveLength(1);
      }
      expect(withPolicy(deny({}))).toEqual([]);
    });

    it("matches a bucket name with dots literally: the deny covers that bucket, not one whose name differs where the dots are", () => {
      const dotted = (name: string, arnName: string) => messages([bucket("data", name), res(T.bucketPolicy, "policy", { bucket: name, policy: tlsOnlyPolicy(`arn:aws:s3:::${arnName}`) })], [s3TlsOnly]);
      expect(dotted("logs.example.com", "logs.example.com")).toEqual([]);
      expect(dotted("logs.example.com", "logsxexample.com")).toHaveLength(1);
    });

    it("reports a policy that is not JSON", () => {
      expect(withPolicy("{not json")[0]).toMatch(/^bucket "data" accepts requests without TLS: policy of "policy" is not valid JSON/);
    });
  });

  describe("unknown values (pulumi preview)", () => {
    it("do not fire while a companion's settings are unknown", () => {
      const sse = res(T.sse, "enc", { bucket: BUCKET_ID, rules: UNKNOWN });
      const versioning = res(T.versioning, "ver", { bucket: BUCKET_ID, versioningConfiguration: { status: UNKNOWN } });
      const pab = res(T.pab, "pab", { bucket: BUCKET_ID, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: UNKNOWN });
      const policy = res(T.bucketPolicy, "pol", { bucket: BUCKET_ID, policy: UNKNOWN });
      expect(messages([bucket(), sse, versioning, pab, policy])).toEqual([]);
    });

    it("skip a bucket whose companions' references are unknown and not recorded", () => {
      const newBucket = res(T.bucket, "new", {});
      const versioning = res(T.versioning, "new-versioning", { bucket: UNKNOWN, versioningConfiguration: { status: "Enabled" } });
      expect(messages([newBucket, versioning], [s3Versioning])).toEqual([]);
    });

    it("judge a known companion even when another cannot be placed yet (a bucket has one versioning configuration: the other is not this one's)", () => {
      const suspended = res(T.versioning, "ver", { bucket: BUCKET_ID, versioningConfiguration: { status: "Suspended" } });
      const unplaced = res(T.versioning, "other-versioning", { bucket: UNKNOWN, versioningConfiguration: { status: "Enabled" } });
      expect(messages([bucket(), suspended, unplaced], [s3Versioning])).toEqual([`bucket "data" has versioning "Suspended"; it must be "Enabled"`]);
    });

    it("pair an unknown reference through the property's dependencies", () => {
      const newBucket = res(T.bucket, "new", {});
      const suspended = res(T.versioning, "new-versioning", { bucket: UNKNOWN, versioningConfiguration: { status: "Suspended" } }, { propertyDependencies: { bucket: [newBucket.urn] } });
      expect(messages([newBucket, suspended], [s3Versioning])).toEqual([`bucket "new" has versioning "Suspended"; it must be "Enabled"`]);
    });
  });
});

describe("sns-tls-only", () => {
  const topicMessages = (resources: Parameters<typeof evaluate>[0]) => evaluate(resources, "prod", [snsTlsOnly]).map((v) => v.message);

  it("reports a topic without any policy, and one whose policy has no TLS deny", () => {
    expect(topicMessages(topicStack())).toEqual([
      `topic "alarms" has no topic policy, so SNS accepts publishes over plain HTTP: add a TopicPolicy that denies sns:Publish to Principal "*" when aws:SecureTransport is "false"`,
    ]);
    expect(topicMessages(topicStack(allowAlarmsToPublish))).toEqual([
      `topic "alarms" accepts publishes without TLS: policy of "alarms-policy" has no Deny of sns:Publish for Principal "*" on the topic when aws:SecureTransport is "false"`,
    ]);
  });

  it("accepts the deny as sns:* or *, on the topic or on \"*\", in a TopicPolicy or in the topic's own policy input", () => {
    for (const over of [{ Action: "sns:*" }, { Action: ["*"] }, { Resource: "*" }, { Resource: [TOPIC_ARN] }, { Principal: { AWS: "*" } }]) {
      expect(topicMessages(topicStack({ ...denyPublishWithoutTls(), ...over }))).toEqual([]);
    }
    const [topic] = topicStack();
    const inline = { ...topic, inputs: { ...topic.inputs, policy: doc(denyPublishWithoutTls()) } };
    expect(topicMessages([inline])).toEqual([]);
  });

  it("rejects a deny of another topic, another action, some principals, or with a narrowing condition", () => {
    for (const over of [
      { Resource: `${TOPIC_ARN}-other` },
      { Action: "sns:Subscribe" },
      { Principal: { AWS: "arn:aws:iam::123456789012:root" } },
      { Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:SourceAccount": "123456789012" } } },
    ]) {
      expect(topicMessages(topicStack({ ...denyPublishWithoutTls(), ...over })), JSON.stringify(over)).toHaveLength(1);
    }
  });

  it("reports a policy that is not JSON; skips unknown policies and topics whose policy cannot be paired yet", () => {
    const [topic] = topicStack();
    expect(topicMessages([topic, res(T.topicPolicy, "p", { arn: TOPIC_ARN, policy: "{" })])[0]).toMatch(/^topic "alarms" accepts publishes without TLS: policy of "p" is not valid JSON/);
    expect(topicMessages([topic, res(T.topicPolicy, "p", { arn: TOPIC_ARN, policy: UNKNOWN })])).toEqual([]);
    expect(topicMessages([topic, res(T.topicPolicy, "p", { arn: UNKNOWN, policy: doc(allowAlarmsToPublish) })])).toEqual([]);
    const viaDeps = res(T.topicPolicy, "p", { arn: UNKNOWN, policy: doc(allowAlarmsToPublish) }, { propertyDependencies: { arn: [topic.urn] } });
    expect(topicMessages([topic, viaDeps])).toHaveLength(1);
  });
});
