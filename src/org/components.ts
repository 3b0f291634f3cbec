/*
 * An app's components as the org holds them, as raw metadata-format text: rotate needs the exact XML of the component
 * that carries the certificate (an External Client App's global OAuth settings, or the Connected App itself) to change
 * that one element and deploy everything else back as it was. One retrieve, in memory, for both kinds of app.
 */
import type { Connection } from '@salesforce/core';
import { parseAppMetadata, type AppMetadata } from '../app/read-metadata.js';
import { ECA_TYPES } from '../app/external-client-app.js';
import { CONNECTED_APP_TYPE } from '../app/connected-app.js';
import type { AppKind } from '../app/names.js';
import { retrieveInMemory } from './metadata.js';

/** The component that holds an app's certificate (and its consumer key). */
export type CertificateComponent = {
  type: string;
  fullName: string;
  /** Source-format path, relative to a package folder. */
  sourcePath: string;
  /** The component's XML exactly as retrieved (metadata format, the same text as source format for these types). */
  text: string;
};

export type RetrievedApp = { app: AppMetadata; component: CertificateComponent };

/** Where the certificate of app `name` of `kind` lives: type, component name and source path. */
export function certificateComponentOf(kind: AppKind, name: string): Omit<CertificateComponent, 'text'> {
  if (kind === 'connected') {
    const t = CONNECTED_APP_TYPE;
    return { type: t.type, fullName: name, sourcePath: `${t.folder}/${name}.${t.suffix}-meta.xml` };
  }
  const t = ECA_TYPES.globalOauthSettings;
  const fullName = `${name}${t.nameSuffix}`;
  return { type: t.type, fullName, sourcePath: `${t.folder}/${fullName}.${t.suffix}-meta.xml` };
}

/**
 * The app `name` (External Client App first, else Connected App) with the raw text of its certificate component;
 * undefined when the org has no app of that name.
 */
export async function retrieveAppComponent(
  connection: Connection,
  name: string,
  options: { waitMs: number; apiVersion?: string },
): Promise<RetrievedApp | undefined> {
  const external = certificateComponentOf('external', name);
  const connected = certificateComponentOf('connected', name);
  const files = await retrieveInMemory(
    connection,
    [
      { type: ECA_TYPES.app.type, fullName: name },
      { type: external.type, fullName: external.fullName },
      { type: ECA_TYPES.oauthPolicies.type, fullName: `${name}${ECA_TYPES.oauthPolicies.nameSuffix}` },
      { type: connected.type, fullName: connected.fullName },
    ],
    options,
  );
  const apps = parseAppMetadata(files);
  for (const kind of ['external', 'connected'] as const) {
    const app = apps.find((a) => a.name === name && a.kind === kind);
    if (!app) continue;
    const where = kind === 'external' ? external : connected;
    const suffix = kind === 'external' ? ECA_TYPES.globalOauthSettings.suffix : CONNECTED_APP_TYPE.suffix;
    const entry = [...files.entries()].find(([path]) => path.split('/').pop() === `${where.fullName}.${suffix}`);
    if (!entry) continue;
    return { app, component: { ...where, text: entry[1] } };
  }
  return undefined;
}
