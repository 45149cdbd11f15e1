// `ossv <command>`: the command-line entry point. A command's module is loaded only when it runs, so
// `ossv --help` and `ossv --version` answer without loading the server, the engine or its native addon.
import cliPackage from "../package.json" with { type: "json" };

const USAGE = `usage: ossv <command> [options]

commands:
  serve     run the OSS Vectors server (ossv serve --help)
  admin     manage RAM users, keys, policies, temporary credentials (ossv admin --help)
  restore   make a data directory from a backup (ossv restore --help)

  ossv --version prints the version.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return (await import("./serve.ts")).serveCommand(rest);
    case "admin":
      return (await import("./admin.ts")).adminCommand(rest);
    case "restore":
      return (await import("./restore.ts")).restoreCommand(rest);
    case "--version":
    case "-v":
    case "version":
      process.stdout.write(`${cliPackage.version}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`ossv: unknown command "${command}"\n${USAGE}`);
      return 1;
  }
}
