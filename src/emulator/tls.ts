// Self-signed TLS material for the emulator, made at start with the openssl CLI (about 10 ms).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface TlsMaterial {
  key: string;
  cert: string;
  /** PEM of the self-signed certificate: it is its own CA. */
  ca: string;
  /** Path of a file holding `ca`. */
  caFile: string;
  dir: string;
  dispose(): void;
}

export function makeSelfSignedCertificate(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'arm-emulator-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'ca.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        caFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `ARM emulator: could not create a self-signed certificate with the openssl CLI (is openssl on the PATH?): ${(err as Error).message}`,
    );
  }
  const cert = readFileSync(caFile, 'utf8');
  return {
    key: readFileSync(keyFile, 'utf8'),
    cert,
    ca: cert,
    caFile,
    dir,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
