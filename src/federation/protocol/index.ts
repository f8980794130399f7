/** The federation wire protocol: signed envelopes, identity keys, message schemas, refusal reasons. */
export { generateIdentityKeys, privateKeyFromPem, privateKeyToPem, publicKeyFromBase64, publicKeyToBase64, type IdentityKeys } from './identity-keys.ts';
export { ENVELOPE_HEADER, RESPONSE_SIGNATURE_HEADER, signEnvelope, type Envelope } from './envelope.ts';
export { createFederationClient, FederationRequestError, type FederationClient, type FetchLike, type PreparedRequest } from './client.ts';
export { RejectReason, FederationRejection } from './rejections.ts';
export * from './messages.ts';
