/*
 * HTTPS mode: a throw-away RSA CA and a server certificate it signs (SAN IP:127.0.0.1, DNS:localhost).
 * Trust the CA with NODE_EXTRA_CA_CERTS (child processes) or the `ca` option of https.request.
 */
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';

export type TlsMaterial = { caCertificatePem: string; key: string; cert: string };

const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const DAY = 86_400_000;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function generateTlsMaterial(hosts: { ips?: string[]; dns?: string[] } = {}): Promise<TlsMaterial> {
  // loaded lazily, after the Reflect shim, and only in HTTPS mode
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  x509.cryptoProvider.set(crypto);
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 30 * DAY);

  const caKeys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Salesforce Emulator Test CA, O=sf-jwt-setup tests',
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverKeys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const names = [
    ...(hosts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
    ...(hosts.dns ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
  ];
  const server = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });

  return {
    caCertificatePem: ca.toString('pem') + '\n',
    cert: server.toString('pem') + '\n',
    key: toPem(await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY'),
  };
}
