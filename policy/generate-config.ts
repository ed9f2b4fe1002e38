/**
 * Writes policy/config.<env>.json, the `--policy-pack-config` files, from the rules' severities and settings:
 *
 *   npx tsx policy/generate-config.ts          # write
 *   npx tsx policy/generate-config.ts --check  # exit 1 if a file differs from the rules
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packConfig } from "./crossguard";
import { ENVIRONMENTS, type Environment } from "./rules/types";

/** Where the config file of a tier lives: `<dir>/config.<environment>.json` (dir: this folder by default). */
export function configPath(environment: Environment, dir = __dirname): string {
  return path.join(dir, `config.${environment}.json`);
}

/** A tier's config file as the rules generate it: pretty JSON ending in a newline. */
export function renderConfig(environment: Environment): string {
  return JSON.stringify(packConfig(environment), null, 2) + "\n";
}

/**
 * Writes every tier's config file into `dir` where it differs from the rules, reporting each on `out`; with `check`,
 * writes nothing and reports each stale file on `err`. Returns the exit code: 1 when `check` found a stale file.
 */
export function generateConfigs(check: boolean, dir = __dirname, out: (line: string) => void = (l) => process.stdout.write(l), err: (line: string) => void = (l) => process.stderr.write(l)): number {
  let stale = 0;
  for (const env of ENVIRONMENTS) {
    const file = configPath(env, dir);
    const want = renderConfig(env);
    const have = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (have === want) continue;
    if (check) {
      err(`${path.relative(process.cwd(), file)} does not match the rules; run npx tsx policy/generate-config.ts\n`);
      stale++;
    } else {
      fs.writeFileSync(file, want);
      out(`wrote ${path.relative(process.cwd(), file)}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (require.main === module) process.exit(generateConfigs(process.argv.includes("--check")));
