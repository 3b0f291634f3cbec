/*
 * The certificate uploaded to the app (-c): it parses, carries this key, is signed with SHA-2, and its expiry (a
 * warning only: Salesforce does not enforce it for this flow).
 */
import { fail, failFromError, pass, skip, warn, type Check } from '../../checks/check.js';
import { isJwtSetupError } from '../../errors.js';
import { certificateMatchesKey, loadCertificate, type CertificateInfo } from '../../keys/certificate.js';
import type { CheckGroup } from '../context.js';
import { m } from '../messages.js';

const DAY = 86_400_000;
/** A certificate that expires within this many days is worth rotating now. */
export const EXPIRY_WARNING_DAYS = 30;
const SHA2 = new Set(['sha256WithRSAEncryption', 'sha384WithRSAEncryption', 'sha512WithRSAEncryption']);

/** certificate.validity of any certificate, the local one or the app's in the org; a warning within `warnDays` of expiry. */
export function validityCheck(
  certificate: Pick<CertificateInfo, 'notBefore' | 'notAfter'>,
  now = Date.now(),
  warnDays = EXPIRY_WARNING_DAYS,
): Check {
  const title = m('cert.validityTitle');
  const notAfter = certificate.notAfter.getTime();
  if (certificate.notBefore.getTime() > now) {
    return warn(
      'certificate.validity',
      title,
      m('cert.notYet', [certificate.notBefore.toISOString()]),
      m('cert.notYetFix'),
    );
  }
  if (notAfter < now) {
    return warn(
      'certificate.validity',
      title,
      m('cert.expired', [certificate.notAfter.toISOString()]),
      m('cert.renewFix'),
    );
  }
  if (notAfter < now + warnDays * DAY) {
    const days = Math.ceil((notAfter - now) / DAY);
    return warn(
      'certificate.validity',
      title,
      m('cert.expiring', [certificate.notAfter.toISOString(), days]),
      m('cert.renewFix'),
    );
  }
  return pass('certificate.validity', title, m('cert.valid', [certificate.notAfter.toISOString()]));
}

export const certificate: CheckGroup = {
  name: 'certificate',
  needs: ['certificate-file'],
  skipped: () => [],
  async run(context) {
    const file = context.options.certificateFile as string;
    const key = context.key;
    let info: CertificateInfo;
    try {
      info = await loadCertificate(file, key ? { select: key.publicKey } : {});
    } catch (error) {
      if (!isJwtSetupError(error)) throw error;
      return [failFromError('certificate.decode', m('cert.decodeTitle'), error)];
    }
    context.certificate = info;
    const decoded = [
      m('cert.decoded', [info.subject, info.fingerprintSha256]),
      ...(info.inFile > 1 ? [m('cert.inChain', [info.inFile, info.position])] : []),
    ].join(' ');
    return [
      pass('certificate.decode', m('cert.decodeTitle'), decoded),
      !key
        ? skip('certificate.match', m('cert.matchTitle'), m('cert.matchSkip'))
        : certificateMatchesKey(info, key.publicKey)
          ? pass('certificate.match', m('cert.matchTitle'), m('cert.matchPass'))
          : fail(
              'certificate.match',
              m('cert.matchTitle'),
              m('cert.matchFail', [info.sourceLabel]),
              m('cert.matchFix'),
            ),
      SHA2.has(info.signatureAlgorithm)
        ? pass('certificate.signature', m('cert.signatureTitle'), info.signatureAlgorithm)
        : warn(
            'certificate.signature',
            m('cert.signatureTitle'),
            m('cert.signatureWarn', [info.signatureAlgorithm]),
            m('cert.renewFix'),
          ),
      validityCheck(info, Date.now(), context.options.expiryDays),
    ];
  },
};
