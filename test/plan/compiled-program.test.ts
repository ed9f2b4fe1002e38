// The compiled program (scripts/build-program.js): rebuilt exactly when a source's content changed, each module
// keeping its own folder as __dirname, and the output a pure function of the sources.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const requireJs = createRequire(__filename);
const { ensureBuilt } = requireJs("../../scripts/build-program.js") as { ensureBuilt: (root: string) => Promise<"fresh" | "built"> };

describe("compiled program", () => {
  it("builds once, stays fresh, rebuilds on a one-byte source change, and keeps each module's __dirname", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "program-"));
    try {
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
      };
      write("components/where.ts", 'export const where = __dirname;\nexport const answer: number = 41;\n');
      write("index.ts", 'import { where, answer } from "./components/where";\nexport const dir = where;\nexport const value = answer;\n');
      write("scripts/plan.ts", "export const plan = 1;\n");
      const load = () => {
        const file = path.join(root, "dist", "program", "index.js");
        delete requireJs.cache[file];
        return requireJs(file) as { dir: string; value: number };
      };

      expect(await ensureBuilt(root)).toBe("built");
      const first = fs.readFileSync(path.join(root, "dist", "program", "index.js"), "utf8");
      expect(load()).toEqual({ dir: path.join(root, "components"), value: 41 });
      expect(await ensureBuilt(root)).toBe("fresh");

      write("components/where.ts", 'export const where = __dirname;\nexport const answer: number = 42;\n');
      expect(await ensureBuilt(root)).toBe("built");
      expect(load().value).toBe(42);

      write("components/where.ts", 'export const where = __dirname;\nexport const answer: number = 41;\n');
      expect(await ensureBuilt(root)).toBe("built");
      expect(fs.readFileSync(path.join(root, "dist", "program", "index.js"), "utf8")).toBe(first);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
