import { createPrivateKey, sign } from 'node:crypto';

/** Fixed Ed25519 key pairs for signing interactions the way Discord does. */
// RFC 8032 section 7.1, TEST 1.
export const SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
export const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
// RFC 8032 TEST 2: a valid key pair that is not the application's.
export const OTHER_SECRET = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
export const OTHER_PUBLIC = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';

function privateKey(secretHex: string, publicHex: string) {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(secretHex, 'hex').toString('base64url'), x: Buffer.from(publicHex, 'hex').toString('base64url') },
    format: 'jwk',
  });
}
export const KEY = privateKey(SECRET, PUBLIC);
export const OTHER_KEY = privateKey(OTHER_SECRET, OTHER_PUBLIC);

export function signed(key = KEY, timestamp = Math.floor(Date.now() / 1000)): (body: string) => Record<string, string> {
  return (body) => ({
    'x-signature-ed25519': sign(null, Buffer.from(`${timestamp}${body}`), key).toString('hex'),
    'x-signature-timestamp': String(timestamp),
  });
}

