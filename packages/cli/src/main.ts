// `ossv <command>`: the command-line entry point, one commander tree for every command. A command's
// module is loaded only when it runs, so `ossv --help` and `ossv --version` answer without loading the
// server, the engine, its native addon or the SDK.
//
// commander (pinned) rather than yargs: it has no dependencies of its own, ships its own types, keeps
// per-command help and option checks declarative, and lets serve and restore keep their own parsers
// (allowUnknownOption) while they share the tree.
import { Command, CommanderError } from "commander";
import cliPackage from "../package.json" with { type: "json" };
import { addAdminCommands } from "./admin-commands.ts";
import { addApiCommands } from "./api-commands.ts";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.ts";

/**
 * serve and restore parse their own arguments (serve's come from its option table in
 * serve-options.ts), so commander hands them everything after the command's name, in order: with
 * allowUnknownOption the first option it does not know sends the rest of the line there unread.
 */
const PASS_THROUGH = ["serve", "restore"];

function passThrough(program: Command, name: string, description: string, run: (argv: string[]) => Promise<number>, setCode: (code: number) => void): void {
  program.command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .addHelpText("after", `\n  ossv ${name} --help lists its options.`)
    .action(async (_args: string[], _options: unknown, command: Command) => setCode(await run(command.args)));
}

export function buildProgram(setCode: (code: number) => void): Command {
  const program = new Command("ossv")
    .usage("<command> [options]")
    .description("ossv: an OSS Vectors server, and a client for it and for Alibaba Cloud OSS Vectors")
    .version(cliPackage.version, "-v, --version", "print the version")
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, "ossv: ")) })
    .addHelpText("after", `\n${EXIT_CODES_HELP}`);
  passThrough(program, "serve", "run the OSS Vectors server", async (argv) => (await import("./serve.ts")).serveCommand(argv), setCode);
  addAdminCommands(program, setCode);
  passThrough(program, "restore", "make a data directory from a backup", async (argv) => (await import("./restore.ts")).restoreCommand(argv), setCode);
  addApiCommands(program, setCode);
  program.command("version", { hidden: true }).action(() => {
    process.stdout.write(`${cliPackage.version}\n`);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((result) => { code = result; });
  if (argv.length === 0) {
    // As before the tree existed: the usage on standard output, and a non-zero code for the script
    // that forgot its command.
    process.stdout.write(program.helpInformation());
    return EXIT.failed;
  }
  // `ossv help serve` is `ossv serve --help`: those commands' help is their own.
  if (argv[0] === "help" && PASS_THROUGH.includes(argv[1] ?? "")) argv = [argv[1]!, "--help"];
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end here with exit code 0; every other commander error is a usage error
    // it has already printed.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return code;
}
