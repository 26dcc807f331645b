/** Every error code a signaling answer may carry (sfu-node/README.md describes each). */
export type SignalingErrorCode =
  | 'invalid-message'
  | 'unknown-method'
  | 'invalid-params'
  | 'not-joined'
  | 'already-joined'
  | 'meeting-not-started'
  | 'not-a-participant'
  | 'wrong-node'
  | 'transport-not-found'
  | 'producer-not-found'
  | 'consumer-not-found'
  | 'wrong-transport'
  | 'already-connected'
  | 'destination-not-allowed'
  | 'cannot-consume'
  | 'paused-by-meeting'
  | 'media-rejected'
  | 'service-unavailable'
  | 'internal-error';

/** A refusal the client caused or can act on; answered as `{id, error: {code, message}}`. */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';
  constructor(
    readonly code: SignalingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
