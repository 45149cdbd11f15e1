// IPv4/IPv6 parsing and CIDR membership for the acs:SourceIp condition. Pure (no node:net), so
// policies evaluate the same in the server and in any client-side tooling.

/** The address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96), or undefined when malformed. */
export function parseIp(text: string): bigint | undefined {
  const address = text.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
    const v4 = parseIpv4(address);
    return v4 === undefined ? undefined : (0xffffn << 32n) | v4;
  }
  return address.includes(":") ? parseIpv6(address) : undefined;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  if (text.indexOf("::") !== text.lastIndexOf("::")) return undefined;
  let groups = text.split(":");
  const tail = groups[groups.length - 1] ?? "";
  if (tail.includes(".")) {
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    groups = [...groups.slice(0, -1), ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
  }
  const gap = groups.indexOf("");
  if (text.includes("::")) {
    const head = text.startsWith("::") ? [] : groups.slice(0, gap);
    const rest = groups.slice(groups.lastIndexOf("") + 1);
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...Array<string>(fill).fill("0"), ...rest];
  }
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Whether `ip` lies in `cidr` (`10.0.0.0/8`, `::1/128`, or a bare address). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const address = parseIp(ip);
  const network = parseIp(base ?? "");
  if (address === undefined || network === undefined) return false;
  const isV4 = /^\d+\.\d+\.\d+\.\d+$/.test((base ?? "").trim());
  const maxBits = isV4 ? 32 : 128;
  const bits = bitsText === undefined ? maxBits : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) return false;
  const prefix = BigInt(bits + (isV4 ? 96 : 0));
  const mask = prefix === 0n ? 0n : ((1n << prefix) - 1n) << (128n - prefix);
  return (address & mask) === (network & mask);
}
