// `ossv <command>`: the command-line entry point.
import { serveCommand } from "./serve.ts";
import { adminCommand } from "./admin.ts";
import { restoreCommand } from "./restore.ts";

const USAGE = `usage: ossv <command> [options]

commands:
  serve     run the OSS Vectors server (ossv serve --help)
  admin     manage RAM users, keys, policies, temporary credentials (ossv admin --help)
  restore   make a data directory from a backup (ossv restore --help)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serveCommand(rest);
    case "admin":
      return adminCommand(rest);
    case "restore":
      return restoreCommand(rest);
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
