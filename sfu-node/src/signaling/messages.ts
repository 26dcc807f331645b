import type { types } from 'mediasoup';
import { z } from 'zod';

/*
 * The signaling protocol (sfu-node/README.md): a client sends `{id, method, params}` and gets
 * `{id, result}` or `{id, error: {code, message}}`; the server also sends `{notification, data}`.
 * mediasoup validates RTP/DTLS parameters itself; here they only need to be objects.
 */

const Id = z.string().min(1).max(100);
const Params = z.looseObject({});

export const Request = z.strictObject({
  id: z.union([z.string().min(1).max(100), z.number().int()]),
  method: z.string().max(100),
  params: Params.optional(),
});
export type Request = z.infer<typeof Request>;

export const METHOD_PARAMS = {
  join: z.strictObject({ meetingId: z.uuid() }),
  getRouterRtpCapabilities: z.strictObject({}),
  createWebRtcTransport: z.strictObject({ direction: z.enum(['send', 'recv']) }),
  createPlainTransport: z
    .strictObject({
      /** `send`: RTP in, from a publishing tool; `recv`: consumers' RTP out (connectPlainTransport). */
      direction: z.enum(['send', 'recv']).default('send'),
      /** recv only: RTCP on the RTP port (the default) or, false, on a port of its own. */
      rtcpMux: z.boolean().optional(),
    })
    .refine((p) => p.direction === 'recv' || p.rtcpMux === undefined, {
      path: ['rtcpMux'],
      message: 'only for a recv transport (a send one takes RTCP on a port of its own)',
    }),
  connectPlainTransport: z.strictObject({
    transportId: Id,
    /** An address, never a name (nothing is resolved); which ones are allowed: plain-destination.ts. */
    ip: z.ipv4().or(z.ipv6()),
    port: z.number().int().min(1).max(65535),
    rtcpPort: z.number().int().min(1).max(65535).optional(),
  }),
  connectTransport: z.strictObject({
    transportId: Id,
    dtlsParameters: Params.transform((v) => v as unknown as types.DtlsParameters),
  }),
  produce: z.strictObject({
    transportId: Id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: Params.transform((v) => v as unknown as types.RtpParameters),
    appData: z.strictObject({ source: z.enum(['mic', 'camera', 'screen']) }),
  }),
  consume: z.strictObject({
    transportId: Id,
    producerId: Id,
    rtpCapabilities: Params.transform((v) => v as unknown as types.RtpCapabilities),
  }),
  resumeConsumer: z.strictObject({ consumerId: Id }),
  pauseProducer: z.strictObject({ producerId: Id }),
  resumeProducer: z.strictObject({ producerId: Id }),
  closeProducer: z.strictObject({ producerId: Id }),
} as const;

export type Method = keyof typeof METHOD_PARAMS;
export type ParamsOf<M extends Method> = z.infer<(typeof METHOD_PARAMS)[M]>;

export const isMethod = (name: string): name is Method => Object.hasOwn(METHOD_PARAMS, name);

/** The first issue of a failed parse, as one line naming its path. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue?.message ?? 'invalid'}`;
}
