/*
 * The rotation's one change to an app: the certificate element's text, everything else byte for byte, the consumer
 * key put in when the retrieve withheld it and never changed.
 */
import { expect } from 'chai';
import { ComponentRewriteError, replaceCertificate } from '../../../src/rotate/component.js';

const OLD = '-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----';
const NEW = '-----BEGIN CERTIFICATE-----\nNEW\n-----END CERTIFICATE-----\n';

const eca = (key?: string): string =>
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">',
    '    <callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl>',
    `    <certificate>${OLD}</certificate>`,
    ...(key ? [`    <consumerKey>${key}</consumerKey>`] : []),
    '    <externalClientApplication>CI_Deploy</externalClientApplication>',
    '    <isConsumerSecretOptional>true</isConsumerSecretOptional>',
    '    <label>CI Deploy &amp; more</label>',
    '</ExtlClntAppGlobalOauthSettings>',
    '',
  ].join('\n');

describe('rotate: replaceCertificate', () => {
  it('changes only the certificate of an External Client App', () => {
    const out = replaceCertificate(eca('KEY12345'), 'external', NEW, 'KEY12345');
    expect(out).to.equal(eca('KEY12345').replace(OLD, NEW.trim()));
  });

  it('puts the known consumer key in when the retrieve withheld it, right after the certificate', () => {
    const out = replaceCertificate(eca(), 'external', NEW, 'KEY12345');
    expect(out).to.equal(eca('KEY12345').replace(OLD, NEW.trim()));
  });

  it('refuses to change a consumer key', () => {
    expect(() => replaceCertificate(eca('KEY12345'), 'external', NEW, 'OTHER1234'))
      .to.throw(ComponentRewriteError)
      .with.property('message', 'consumerKey');
  });

  it('refuses a component without a certificate element', () => {
    expect(() =>
      replaceCertificate(
        eca('KEY12345').replace(/ *<certificate>[^]*?<\/certificate>\n/, ''),
        'external',
        NEW,
        'KEY12345',
      ),
    )
      .to.throw(ComponentRewriteError)
      .with.property('message', 'certificate');
  });

  it("changes a Connected App's oauthConfig certificate, never its samlConfig one", () => {
    const connected = (cert: string, key?: string): string =>
      [
        '<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">',
        '    <contactEmail>a@b.c</contactEmail>',
        '    <label>Old</label>',
        '    <oauthConfig>',
        '        <callbackUrl>http://localhost:1717/OauthRedirect</callbackUrl>',
        `        <certificate>${cert}</certificate>`,
        ...(key ? [`        <consumerKey>${key}</consumerKey>`] : []),
        '        <isAdminApproved>true</isAdminApproved>',
        '    </oauthConfig>',
        '    <samlConfig>',
        `        <certificate>${OLD}</certificate>`,
        '    </samlConfig>',
        '</ConnectedApp>',
      ].join('\n');
    expect(replaceCertificate(connected(OLD), 'connected', NEW, 'CAKEY1234')).to.equal(
      connected(NEW.trim(), 'CAKEY1234'),
    );
    expect(replaceCertificate(connected(OLD, 'CAKEY1234'), 'connected', NEW, 'CAKEY1234')).to.equal(
      connected(NEW.trim(), 'CAKEY1234'),
    );
  });
});
