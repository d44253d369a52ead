// An independent check of the bureau's credentials with Digital Bazaar's libraries (the ones wallets and the W3C
// test suites use): the eddsa-rdfc-2022 Data Integrity proof (the key found through the issuer profile that
// controls it) and the Bitstring Status List bits (the list credential's own proof verified too).
//
// Usage: node verify.mjs BUNDLE.json
//   BUNDLE = {"contexts": {url: document}, "documents": {url: document}, "credentials": {name: credential}}
// Everything is loaded from the bundle; nothing is fetched. Prints {name: {verified, errors, status}} as JSON.
import {readFileSync} from 'node:fs';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import securityContext from '@digitalbazaar/security-context';

const bundle = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const known = new Map([
  ...securityContext.contexts,  // security/v1 and v2: the library frames a controller document with v2
  ...Object.entries(bundle.contexts),
  ...Object.entries(bundle.documents),
]);

async function documentLoader(url) {
  const [base] = url.split('#');
  const document = known.get(url) ?? known.get(base);
  if(document === undefined) {
    throw new Error(`document not available offline: ${url}`);
  }
  if(base !== url && known.get(url) === undefined) {
    // a fragment inside a document (a verification method in a profile)
    const found = (document.verificationMethod || []).find(vm => vm.id === url);
    if(found) {
      return {contextUrl: null, documentUrl: url, document: {'@context': document['@context'], ...found}};
    }
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const results = {};
for(const [name, credential] of Object.entries(bundle.credentials)) {
  const result = await vc.verifyCredential({
    credential, suite, documentLoader,
    checkStatus: options => checkStatus({...options, verifyBitstringStatusListCredential: true}),
  });
  const statusResults = result.statusResult?.results ?? [];
  results[name] = {
    verified: result.verified,
    proofVerified: (result.results ?? []).every(r => r.verified) && (result.results ?? []).length > 0,
    statusVerified: result.statusResult?.verified ?? false,
    status: Object.fromEntries(statusResults.map(r => [r.credentialStatus.statusPurpose, r.status])),
    errors: [result.error, ...(result.results ?? []).map(r => r.error)]
      .filter(Boolean).map(e => String(e.message ?? e) + (e.errors ? ': ' + e.errors.map(x => x.message).join('; ') : '')),
  };
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
