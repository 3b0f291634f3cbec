/*
 * What the app generators take and give.
 */
import type { AppKind } from './names.js';

/** Everything a generator needs, already validated. */
export type AppSpec = {
  kind: AppKind;
  /** API name of the app */
  name: string;
  label: string;
  description: string;
  contactEmail: string;
  consumerKey: string;
  /** PEM of the certificate, one block, ending in a newline */
  certificatePem: string;
  /** OAuth scope tokens, e.g. ["api", "refresh_token"], and their metadata names, e.g. ["Api", "RefreshToken"] */
  scopes: string[];
  metadataScopes: string[];
  /** the permission set that admits users, if any (created or referenced) */
  permissionSet?: string;
  /** profiles that admit users too */
  profiles: string[];
  /** "64.0" and 64 */
  apiVersion: string;
  apiMajor: number;
  callbackUrl: string;
};

/** One source-format file, relative to the output folder (forward slashes). */
export type MetadataFile = {
  /** e.g. "externalClientApps/CI_Deploy.eca-meta.xml" */
  relativePath: string;
  /** Metadata API type, e.g. "ExternalClientApplication" */
  type: string;
  /** component full name, e.g. "CI_Deploy_glbloauth" */
  fullName: string;
  content: string;
};
