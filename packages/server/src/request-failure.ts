// How a request that threw is ended, the same for the OSS and the S3 Vectors pipelines; only the
// error's wire shape differs, and each API passes its own.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientClosedError, drainThenClose } from "./body.ts";
import type { AccessLogEntry } from "./pipeline-settings.ts";

/** Logged for a request whose client left before sending its body (nginx's convention); never sent. */
const CLIENT_CLOSED_STATUS = 499;

/** A failure in one API's terms: what the access log records, and how to send it. */
export interface ApiFailure {
  status: number;
  code: string;
  /** Writes the error answer with the extra headers; returns the body bytes sent. */
  send(extraHeaders: Record<string, string>): number;
}

/**
 * A client gone mid-body is logged and its socket dropped. Otherwise the API's error is sent, unless
 * an answer was already under way (then the connection is dropped), and a body we refused to read
 * and that may still be arriving is drained before the connection closes.
 */
export function endFailedRequest(
  req: IncomingMessage, res: ServerResponse, entry: AccessLogEntry, sent: { bytes: number }, error: unknown,
  toFailure: (error: unknown) => ApiFailure,
): void {
  if (error instanceof ClientClosedError) {
    // The parser's refusal of a broken body may have been sent before the connection went.
    entry.status = res.headersSent ? res.statusCode : CLIENT_CLOSED_STATUS;
    entry.errorCode = "ClientClosedRequest";
    res.destroy();
    return;
  }
  const failure = toFailure(error);
  entry.status = failure.status;
  entry.errorCode = failure.code;
  const close: Record<string, string> = req.complete ? {} : { connection: "close" };
  if (!res.headersSent) sent.bytes = failure.send(close);
  else res.destroy();
  drainThenClose(req);
}
