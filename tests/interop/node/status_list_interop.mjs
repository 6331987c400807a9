// Token Status List interop: @sd-jwt/jwt-status-list decodes gatehouse's lists, and makes lists
// (signed with jose) that gatehouse decodes. Tasks in on stdin as JSON, results out on stdout.
import { StatusList, createHeaderAndPayload, getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import { SignJWT, importJWK, jwtVerify } from "jose";

async function read(task) {
  const key = await importJWK(task.jwk, task.alg);
  const { payload, protectedHeader } = await jwtVerify(task.jwt, key, {
    typ: "statuslist+jwt",
    currentDate: new Date(task.now * 1000),
  });
  const list = getListFromStatusListJWT(task.jwt);
  return {
    typ: protectedHeader.typ,
    sub: payload.sub,
    ttl: payload.ttl,
    bits: list.getBitsPerStatus(),
    statuses: task.indices.map((i) => list.getStatus(i)),
  };
}

async function make(task) {
  const list = new StatusList(new Array(task.size).fill(0), task.bits);
  for (const [idx, value] of Object.entries(task.set)) list.setStatus(Number(idx), value);
  const { header, payload } = createHeaderAndPayload(
    list,
    { sub: task.sub, iat: task.iat, exp: task.exp, ttl: task.ttl },
    { alg: task.alg, typ: "statuslist+jwt", kid: task.jwk.kid },
  );
  const key = await importJWK(task.jwk, task.alg);
  const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(key);
  return { jwt, lst: payload.status_list.lst };
}

const tasks = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const results = [];
for (const task of tasks) {
  try {
    results.push(task.op === "read" ? await read(task) : await make(task));
  } catch (error) {
    results.push({ error: String(error && error.message ? error.message : error) });
  }
}
process.stdout.write(JSON.stringify(results));
