/**
 * Fargate's task sizes: the CPU units a task may ask for and, for each, the memory sizes (MiB) it accepts
 * (Amazon ECS Developer Guide, "Task CPU and memory" for the Fargate launch type; Linux platform version 1.4.0).
 */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Fargate's CPU sizes, smallest first. */
export const FARGATE_CPU = Object.keys(FARGATE_MEMORY).map(Number);

/** The memory sizes Fargate accepts with `cpu` units (empty for a CPU size Fargate does not offer). */
export function fargateMemoryFor(cpu: number): readonly number[] {
  return FARGATE_MEMORY[cpu] ?? [];
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The image platforms a Fargate Linux task runs. */
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The task's `runtimePlatform.cpuArchitecture` for each image platform (Fargate offers X86_64 and ARM64). */
export const PLATFORM_ARCHITECTURE: Readonly<Record<Platform, "X86_64" | "ARM64">> = {
  "linux/amd64": "X86_64",
  "linux/arm64": "ARM64",
};
