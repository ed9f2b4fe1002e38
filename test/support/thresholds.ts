// Alarm thresholds for component tests that build alarms: short periods so a test can tell a period from the
// stack default, every threshold the stack config schema requires.
import type { AlarmThresholds } from "../../components/observability";

export const TEST_THRESHOLDS: AlarmThresholds = {
  evaluationPeriods: 2,
  periodSeconds: 60,
  alb5xxPercent: 2,
  p99LatencyMs: 250,
  cpuPercent: 75,
  memoryPercent: 75,
  lambdaErrors: 1,
  airflowQueuedTasks: 50,
  driftCriticalZ: 4,
  driftMinEffectSize: 0.2,
};
