// The exit codes of every ossv command, in one place so the help text and the code cannot drift.
// serve, admin and restore used 0, 1 and 2 in these senses before the data commands existed.
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The service refused or failed the request (an error answer), or the command's work failed. */
  failed: 1,
  /** The command line cannot be run as given: an unknown command or flag, a missing or malformed value, unreadable input, no credentials. */
  usage: 2,
  /** No answer: the endpoint could not be reached, or did not answer in time. Trying again may help. */
  unreachable: 3,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  the service refused or failed the request (the error line gives its code and request id)
  2  usage: unknown command or flag, missing or malformed value, unreadable input file, no credentials
  3  no answer: the endpoint could not be reached or did not answer in time`;
