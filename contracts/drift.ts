/**
 * The drift contract between the model server (service/src/emf.ts writes it) and the drift alarms
 * (components/observability/drift.ts read it). No Pulumi here.
 *
 * Per served instance the server standardises each number input and the prediction with the served model's own
 * training statistics, z = (x − μ) / σ, and writes the z values as CloudWatch embedded metric format (EMF) values.
 * Under the training distribution each z has mean 0 and standard deviation 1, whatever model is served, so the alarms
 * need no model version and no per-model band: over a period with n values, AVG(z) · √n is the period mean's distance
 * from the training mean in standard errors (a z-test), and the alarm fires when its absolute value exceeds k.
 */

/** CloudWatch namespace of the inference metrics. */
export const METRICS_NAMESPACE = "EdgeMlops/Inference";
/** The one dimension of the drift metrics: which service (or device fleet) served the requests. */
export const SERVICE_DIMENSION = "Service";
/** Environment variable naming the value of the Service dimension; the server uses "local" when it is unset. */
export const SERVICE_DIMENSION_ENV = "METRICS_SERVICE";
/** Metric counting successful POST /forecast requests: a document carries how many it gathers; read its Sum. */
export const REQUEST_METRIC = "RequestCount";
/** Metric of standardised predictions (one value per instance). */
export const PREDICTION_Z_METRIC = "Prediction_Z";
/**
 * Most values one EMF metric may carry in one document (CloudWatch embedded metric format specification: "arrays of
 * up to 100 values"); more instances, from one request or several, are written as several documents.
 */
export const MAX_EMF_VALUES = 100;

/**
 * About the most z values per metric one server process writes per second for one model (10 documents of
 * MAX_EMF_VALUES). While the previous second brought at most this many instances, every instance is written; after a
 * busier second, each request of the next one is written whole with probability DRIFT_VALUES_PER_SECOND / (the
 * previous second's instances), so the values stay a uniform sample of the requests, and RequestCount still counts
 * every request. The drift z-test reads the period's SampleCount, so it holds on the sample: at this rate a 60 s period
 * still has up to 60,000 values per metric, where an effect of 0.1 standard deviations needs 625 to reach k = 2.5.
 * Why a bound: a 100-instance request's document is about 6.7 KB, so a task answering 3,000 such requests a second
 * would write 20 MB/s of EMF, log volume CloudWatch Logs charges per GB and a log pipe must keep up with (stdout is
 * written synchronously, so a pipe that falls behind holds the service up), for nothing the alarms could use.
 */
export const DRIFT_VALUES_PER_SECOND = 1000;

/**
 * Largest magnitude of a written z value: values beyond ±10 are clipped (winsorised). Under the training distribution
 * a |z| above 10 is practically impossible, so the test is unchanged on real traffic, while one absurd input (a typo,
 * `1e308` sent to an open endpoint) moves a period's mean by at most 10/n standard deviations instead of dominating it.
 */
export const Z_LIMIT = 10;

/**
 * Decimal places of a written z value (1e-4 standard deviations). Rounding moves one value by at most 5e-5 and a
 * period's mean by at most that, against drift alarms' minimum effect of 0.1 (components/observability/drift.ts);
 * the shorter numbers make a document about a third of the size of one with every digit of the double.
 */
export const Z_DECIMALS = 4;

/** Metric of one number input field's standardised values: `Feature_<field>_Z`. */
export function featureZMetricName(field: string): string {
  return `Feature_${field}_Z`;
}

/**
 * Name prefix of a service's drift alarms, `<service>-drift-`; the retraining rule matches alarms by it (EventBridge
 * `prefix` matching on `detail.alarmName`).
 */
export function driftAlarmPrefix(service: string): string {
  return `${service}-drift-`;
}

/**
 * The Service value of an edge fleet's devices, `<root thing group>-devices`: never the cloud service's
 * (`edge-mlops-<stack>`, which is also the default root group's name), so device data cannot move the cloud service's
 * drift alarms or start its retraining.
 */
export function deviceMetricsService(rootGroupName: string): string {
  return `${rootGroupName}-devices`;
}
