import { parseConfig } from '@meetings/events';
import { z } from 'zod';

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last) and its largest. */
export const MIN_PART_SIZE_BYTES = 5 * MiB;
export const MAX_PART_SIZE_BYTES = 5 * 1024 * MiB;

/** An empty variable counts as unset (a compose file's `S3_ENDPOINT=` turns storage off). */
const Optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());
/** 'true'/'1' or 'false'/'0'; z.coerce.boolean would read 'false' as true. */
const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** S3's bucket naming rules (3-63 lowercase letters, digits, dots, hyphens). */
const BucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name: 3-63 of a-z 0-9 . -');

/**
 * The object storage settings every service that touches files shares; spread into a service's
 * own zod schema. With no S3_ENDPOINT a service runs without object storage (file endpoints then
 * answer 503 storage-not-configured).
 */
export const STORAGE_SETTINGS = {
  /** http(s)://host:port of any S3-compatible server (MinIO, Ceph radosgw, AWS S3). */
  S3_ENDPOINT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^https?$/, error: 'an http or https URL' }).optional(),
  ),
  S3_ACCESS_KEY: Optional,
  S3_SECRET_KEY: Optional,
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** The seed's one bucket. */
  S3_BUCKET: BucketName.default('meeting-system'),
  /** Path-style URLs (`host/bucket/key`): MinIO and radosgw without wildcard DNS need them. */
  S3_PATH_STYLE: Flag.default(true),
  /** Multipart part size for uploads of unknown or large size. */
  S3_PART_SIZE_BYTES: z.coerce
    .number()
    .int()
    .min(MIN_PART_SIZE_BYTES)
    .max(MAX_PART_SIZE_BYTES)
    .default(8 * MiB),
};

/** True when storage is off or both keys are given (for a service schema's refine). */
export const storageKeysGiven = (s: {
  S3_ENDPOINT?: string | undefined;
  S3_ACCESS_KEY?: string | undefined;
  S3_SECRET_KEY?: string | undefined;
}) => !s.S3_ENDPOINT || Boolean(s.S3_ACCESS_KEY && s.S3_SECRET_KEY);

export const STORAGE_KEYS_GIVEN = {
  message: 'S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT',
  path: ['S3_ACCESS_KEY'],
};

const StorageSettingsSchema = z.object(STORAGE_SETTINGS).refine(storageKeysGiven, STORAGE_KEYS_GIVEN);

export type StorageSettings = z.infer<typeof StorageSettingsSchema>;

/** What the S3 adapter needs to reach the bucket. */
export interface StorageConfig {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  pathStyle: boolean;
  partSizeBytes: number;
}

/**
 * The storage part of an already parsed service config, or null when storage is off. A service
 * that spreads STORAGE_SETTINGS into its schema should add `.refine(storageKeysGiven, …)` too, or
 * call parseStorageConfig(env) instead.
 */
export function storageConfigFrom(settings: {
  S3_ENDPOINT?: string | undefined;
  S3_ACCESS_KEY?: string | undefined;
  S3_SECRET_KEY?: string | undefined;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_PATH_STYLE: boolean;
  S3_PART_SIZE_BYTES: number;
}): StorageConfig | null {
  if (!settings.S3_ENDPOINT) return null;
  return {
    endpoint: settings.S3_ENDPOINT,
    accessKey: settings.S3_ACCESS_KEY ?? '',
    secretKey: settings.S3_SECRET_KEY ?? '',
    region: settings.S3_REGION,
    bucket: settings.S3_BUCKET,
    pathStyle: settings.S3_PATH_STYLE,
    partSizeBytes: settings.S3_PART_SIZE_BYTES,
  };
}

/**
 * Reads the storage settings from the environment: null when S3_ENDPOINT is unset, a ConfigError
 * naming the wrong setting otherwise.
 */
export function parseStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig | null {
  return storageConfigFrom(parseConfig(StorageSettingsSchema, env));
}
