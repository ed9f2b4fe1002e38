// Preloaded into a benchmarked node process (`node --require`): on exit, appends the process's peak resident set
// size in KiB to the file named by BENCH_RSS_FILE.
const fs = require("node:fs");
process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE) fs.appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});
