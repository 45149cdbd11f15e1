// Large JSON answers (a GetVectors of 100 maximal vectors is ~10 MiB) are built and written a step at
// a time: each step serializes up to STEP_CHARS of JSON or for up to STEP_MS, writes it, and
// then lets the event loop run (waiting for the socket to drain when it is full), so one big answer
// never holds up other clients for more than a step, and memory per answer stays near one step.
// An answer that is complete within its first step goes out whole with Content-Length, as before.
import type { ServerResponse } from "node:http";
import { ClientClosedError } from "./body.ts";
import { sendJson, jsonHeaders, type ResponseInfo } from "./respond.ts";

/** JSON characters built per step at most. */
const STEP_CHARS = 64 * 1024;
/**
 * Time spent building one step at most: with several large answers under way, a small request
 * waits for about one step of each of them, so steps are kept short.
 */
const STEP_MS = 2;

interface Step {
  text: string;
  last: boolean;
}

/** Pieces are small (a few hundred vector values at most), so a step ends soon after either limit. */
function takeStep(pieces: Iterator<string>): Step {
  const started = performance.now();
  let text = "";
  while (text.length < STEP_CHARS && performance.now() - started < STEP_MS) {
    const next = pieces.next();
    if (next.done) return { text, last: true };
    text += next.value;
  }
  return { text, last: false };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Resolves once a full socket has drained (or closed), and then only on the next turn of the event
 * loop: a write the kernel takes at once reports 'drain' from process.nextTick, and continuing from
 * there would chain every step of the answer without ever letting other requests in.
 */
async function readyForMore(res: ServerResponse, flowing: boolean): Promise<void> {
  if (!flowing) await drained(res);
  await nextTurn();
}

/**
 * Sends the concatenation of `pieces` as a JSON body. Past the first step it goes out chunked (its
 * length is not known until the end); an error thrown by `pieces` then can only cut the connection,
 * which the caller does. A client that leaves mid-answer stops the serialization (ClientClosedError).
 * `sent.bytes` counts the body bytes written, kept up to date so that an answer cut short still
 * reports how much of it went out.
 */
export async function sendJsonPieces(
  res: ServerResponse, info: ResponseInfo, status: number, pieces: Iterable<string>, sent: { bytes: number } = { bytes: 0 },
): Promise<void> {
  const iterator = pieces[Symbol.iterator]();
  let step = takeStep(iterator);
  if (step.last) {
    sent.bytes += sendJson(res, info, status, step.text);
    return;
  }
  let closed = false;
  res.once("close", () => (closed = true));
  res.writeHead(status, jsonHeaders(info));
  for (;;) {
    const flowing = res.write(step.text);
    sent.bytes += Buffer.byteLength(step.text);
    if (step.last) break;
    await readyForMore(res, flowing);
    if (closed || res.destroyed) {
      iterator.return?.();
      throw new ClientClosedError("the client closed the connection before its answer was complete");
    }
    step = takeStep(iterator);
  }
  res.end();
}
