import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@meetings/events';
import { parseStorageConfig } from './config.js';

const base = { S3_ENDPOINT: 'http://127.0.0.1:17480', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 's' };

describe('storage configuration', () => {
  test('no S3_ENDPOINT (or an empty one) turns storage off', () => {
    assert.equal(parseStorageConfig({}), null);
    assert.equal(parseStorageConfig({ S3_ENDPOINT: '' }), null);
  });

  test('defaults: the seed bucket, us-east-1, path style, 8 MiB parts', () => {
    assert.deepEqual(parseStorageConfig(base), {
      endpoint: 'http://127.0.0.1:17480',
      accessKey: 'a',
      secretKey: 's',
      region: 'us-east-1',
      bucket: 'meeting-system',
      pathStyle: true,
      partSizeBytes: 8 * 1024 * 1024,
    });
  });

  test('every setting can be given', () => {
    const config = parseStorageConfig({
      ...base,
      S3_REGION: 'eu-west-1',
      S3_BUCKET: 'other.bucket',
      S3_PATH_STYLE: 'false',
      S3_PART_SIZE_BYTES: String(16 * 1024 * 1024),
    });
    assert.equal(config?.region, 'eu-west-1');
    assert.equal(config?.bucket, 'other.bucket');
    assert.equal(config?.pathStyle, false);
    assert.equal(config?.partSizeBytes, 16 * 1024 * 1024);
  });

  test('wrong settings fail naming the setting', () => {
    const wrong: Record<string, string>[] = [
      { ...base, S3_ENDPOINT: 'not a url' },
      { ...base, S3_ENDPOINT: 'ftp://127.0.0.1' },
      { S3_ENDPOINT: base.S3_ENDPOINT },
      { ...base, S3_SECRET_KEY: '' },
      { ...base, S3_BUCKET: 'Upper_Case' },
      { ...base, S3_PATH_STYLE: 'yes' },
      { ...base, S3_PART_SIZE_BYTES: String(5 * 1024 * 1024 - 1) },
    ];
    for (const env of wrong) {
      assert.throws(
        () => parseStorageConfig(env),
        (e: unknown) => e instanceof ConfigError && /S3_/.test(e.message),
        JSON.stringify(env),
      );
    }
  });
});
