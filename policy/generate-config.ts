/**
 * Writes policy/config.<env>.json, the `--policy-pack-config` files, from the rules' severities:
 *
 *   npx tsx policy/generate-config.ts          # write
 *   npx tsx policy/generate-config.ts --check  # exit 1 if a file differs from the rules
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packConfig } from "./crossguard";
import { ENVIRONMENTS, type Environment } from "./rules/types";

export function configPath(environment: Environment): string {
  return path.join(__dirname, `config.${environment}.json`);
}

export function renderConfig(environment: Environment): string {
  return JSON.stringify(packConfig(environment), null, 2) + "\n";
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const env of ENVIRONMENTS) {
    const file = configPath(env);
    const want = renderConfig(env);
    const have = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (have === want) continue;
    if (check) {
      process.stderr.write(`${path.relative(process.cwd(), file)} does not match the rules; run npx tsx policy/generate-config.ts\n`);
      stale++;
    } else {
      fs.writeFileSync(file, want);
      process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
