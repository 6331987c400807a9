// gatehouse interop harness for DPoP (RFC 9449) against panva's `dpop` and `jose`.
// Reads a JSON array of tasks on stdin, writes a JSON array of results on stdout.
//   {"op": "make", "alg", "htu", "htm", "nonce"?, "accessToken"?}
//       -> {"proof", "jkt"}            (dpop.generateProof, dpop.calculateThumbprint)
//   {"op": "verify", "proof", "htu", "htm", "accessToken"?, "nonce"?}
//       -> {"ok": true, "jkt", "payload"} | {"ok": false, "error"}
//          (jose.jwtVerify with EmbeddedJWK, then the RFC 9449 §4.3 claim checks)
import { createHash } from 'node:crypto'
import { calculateThumbprint, generateKeyPair, generateProof } from 'dpop'
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose'

const ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'PS256', 'PS384', 'PS512']

async function make(task) {
  const keypair = await generateKeyPair(task.alg)
  const proof = await generateProof(keypair, task.htu, task.htm, task.nonce, task.accessToken)
  return { proof, jkt: await calculateThumbprint(keypair.publicKey) }
}

async function verify(task) {
  try {
    const header = decodeProtectedHeader(task.proof)
    const iat = JSON.parse(Buffer.from(task.proof.split('.')[1], 'base64url')).iat
    const { payload } = await jwtVerify(task.proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ALGS,
      currentDate: new Date(iat * 1000),
      maxTokenAge: '60s',
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
    })
    if (payload.htm !== task.htm) throw new Error('htm mismatch')
    if (payload.htu !== task.htu) throw new Error('htu mismatch')
    if (task.accessToken !== undefined) {
      const ath = createHash('sha256').update(task.accessToken, 'ascii').digest('base64url')
      if (payload.ath !== ath) throw new Error('ath mismatch')
    }
    if (task.nonce !== undefined && payload.nonce !== task.nonce) throw new Error('nonce mismatch')
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      if (member in header.jwk) throw new Error('private member in jwk')
    }
    return { ok: true, jkt: await calculateJwkThumbprint(header.jwk), payload }
  } catch (err) {
    return { ok: false, error: `${err.code ?? err.name}: ${err.message}` }
  }
}

let input = ''
for await (const chunk of process.stdin) input += chunk
const results = []
for (const task of JSON.parse(input)) {
  results.push(task.op === 'make' ? await make(task) : await verify(task))
}
process.stdout.write(JSON.stringify(results))
