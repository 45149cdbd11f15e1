// A small signed client for ossv's admin API (`/-/admin/...`): the path is signed as the canonical
// URI's key part, so a signature for one admin call cannot be replayed against another.
import { contentMd5, signRequest, type Credentials, type HeaderMap } from "@ossv/protocol";

export interface AdminClientOptions {
  endpoint: string;
  region: string;
  credentials: Credentials;
}

export class AdminApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = "AdminApiError";
  }
}

export class AdminClient {
  constructor(private readonly options: AdminClientOptions) {}

  async call(method: string, path: string, body?: string | object): Promise<unknown> {
    const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
    const bytes = new TextEncoder().encode(text);
    const key = `-/admin/${path}`;
    const headers: HeaderMap = { "content-md5": contentMd5(bytes) };
    if (text !== "") headers["content-type"] = "application/json";
    signRequest({ method, region: this.options.region, key, rawQuery: "" }, headers, { credentials: this.options.credentials, time: new Date() });
    const url = `${this.options.endpoint.replace(/\/+$/, "")}/${key}`;
    const response = await fetch(url, { method, headers, ...(text !== "" ? { body: bytes } : {}) });
    const responseText = await response.text();
    const json: unknown = responseText ? JSON.parse(responseText) : undefined;
    if (!response.ok) {
      const error = (json as { Error?: { Code?: string; Message?: string } } | undefined)?.Error;
      throw new AdminApiError(response.status, error?.Code ?? String(response.status), error?.Message ?? responseText);
    }
    return json;
  }

  createUser(userName: string) { return this.call("POST", "users", { userName }) as Promise<{ userId: string; userName: string }>; }
  listUsers() { return this.call("GET", "users"); }
  deleteUser(userName: string) { return this.call("DELETE", `users/${encodeURIComponent(userName)}`); }
  createKey(userName: string) {
    return this.call("POST", `users/${encodeURIComponent(userName)}/keys`) as Promise<{ accessKeyId: string; accessKeySecret: string }>;
  }
  setKeyStatus(accessKeyId: string, status: "active" | "disabled") { return this.call("PUT", `keys/${encodeURIComponent(accessKeyId)}`, { status }); }
  deleteKey(accessKeyId: string) { return this.call("DELETE", `keys/${encodeURIComponent(accessKeyId)}`); }
  attachPolicy(userName: string, policyName: string, document: string) {
    return this.call("PUT", `users/${encodeURIComponent(userName)}/policies/${encodeURIComponent(policyName)}`, document);
  }
  detachPolicy(userName: string, policyName: string) {
    return this.call("DELETE", `users/${encodeURIComponent(userName)}/policies/${encodeURIComponent(policyName)}`);
  }
  createRole(roleName: string) { return this.call("POST", "roles", { roleName }) as Promise<{ roleId: string; roleName: string }>; }
  listRoles() { return this.call("GET", "roles"); }
  deleteRole(roleName: string) { return this.call("DELETE", `roles/${encodeURIComponent(roleName)}`); }
  attachRolePolicy(roleName: string, policyName: string, document: string) {
    return this.call("PUT", `roles/${encodeURIComponent(roleName)}/policies/${encodeURIComponent(policyName)}`, document);
  }
  detachRolePolicy(roleName: string, policyName: string) {
    return this.call("DELETE", `roles/${encodeURIComponent(roleName)}/policies/${encodeURIComponent(policyName)}`);
  }
  describeIndex(bucket: string, indexName: string) {
    return this.call("GET", `buckets/${encodeURIComponent(bucket)}/indexes/${encodeURIComponent(indexName)}`);
  }
  compactIndex(bucket: string, indexName: string) {
    return this.call("POST", `buckets/${encodeURIComponent(bucket)}/indexes/${encodeURIComponent(indexName)}/compact`);
  }
  /** A consistent copy of the server's data directory in `dest`, a path on the server's machine. */
  createSnapshot(dest: string, withMasterKey = true) { return this.call("POST", "snapshots", { dest, withMasterKey }); }
  /** Temporary credentials of a user, or of a role with `{ role: true }`. */
  issueTemporaryCredentials(name: string, options: { policy?: string; durationSeconds?: number; role?: boolean } = {}) {
    const { role, ...rest } = options;
    return this.call("POST", "sts", { [role ? "roleName" : "userName"]: name, ...rest }) as Promise<{
      accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string;
    }>;
  }
}
