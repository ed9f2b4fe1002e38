// Preloaded into a benchmarked node process (`node --require`): on exit, writes the process's peak resident set size
// in KiB and its CPU time (user + system) in milliseconds, as `<maxRSS KiB> <cpu ms>`, to the file named by
// BENCH_USAGE_FILE. CPU time is the figure other work on a shared machine moves least; wall time is the target's.
const fs = require("node:fs");
process.on("exit", () => {
  if (!process.env.BENCH_USAGE_FILE) return;
  const u = process.resourceUsage();
  fs.writeFileSync(process.env.BENCH_USAGE_FILE, `${u.maxRSS} ${((u.userCPUTime + u.systemCPUTime) / 1000).toFixed(1)}\n`);
});
