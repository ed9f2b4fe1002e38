import * as path from "node:path";

/**
 * A path as the caller meant it: relative to the folder the command was run from. `npm run` runs scripts in the
 * repository's root and names the caller's folder in INIT_CWD; without it (the script run directly), the working
 * directory.
 */
export function callerPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}
