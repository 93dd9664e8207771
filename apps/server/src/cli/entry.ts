/**
 * The CLI's entry point (bin/crossline.mjs; the bundle's dist/crossline.mjs). `crossline demo` runs from a
 * program holding that command alone: it starts node processes and then talks to their APIs, and loading the
 * whole CLI first (main.ts and, through it, the API's schemas and Zod: 0.2–0.3 s) only delayed the nodes it
 * starts. Every other command, and the demo's own `demo-create-node`, runs through main.ts.
 */
export async function main(argv: string[]): Promise<void> {
  if (argv[2] === "demo") {
    const [{ Command }, { addDemoCommand }, { runProgram }] = await Promise.all([
      import("commander"),
      import("./demo-command.js"),
      import("./exit.js"),
    ]);
    const program = new Command("crossline").showHelpAfterError();
    addDemoCommand(program);
    return runProgram(program, argv);
  }
  return (await import("./main.js")).main(argv);
}
