import { streams } from '@meetings/events';
import { avatarKey } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';
import { userDecider } from '../../domain/index.js';
import type { CommandHandler, CommandOutcome } from '../command-handler.js';
import type { RequestContext } from '../request-context.js';
import { AVATAR_TYPES, sniffContentType } from './sniff.js';
import { EmptyUpload, StorageNotConfigured, UnsupportedUploadType } from './upload-errors.js';

/**
 * What `users.avatar_url` holds for an uploaded avatar: query-api's path that answers a presigned
 * URL of it. A stable form (the object key never leaves the servers, and a presigned URL would
 * expire inside the read model); an absolute URL set with PATCH /users/me stays an external avatar.
 */
export const uploadedAvatarUrl = (userId: string) => `/users/${userId}/avatar`;

export interface AvatarUploaded {
  outcome: CommandOutcome;
  avatarUrl: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * Avatars in object storage, one per user at the seed's `media/avatars/user_<id>.jpg`. The object
 * is written first and the profile event appended after, so the read model never points at an
 * object that is not there; the profile event is a no-op when the URL is already set.
 */
export class Avatars {
  /** `store` null: no object storage; uploads are refused, clearing the profile's avatar still works. */
  constructor(
    private readonly store: ObjectStore | null,
    private readonly commands: CommandHandler,
  ) {}

  async upload(userId: string, bytes: Buffer, ctx: RequestContext): Promise<AvatarUploaded> {
    if (!this.store) throw new StorageNotConfigured();
    if (bytes.length === 0) throw new EmptyUpload();
    const contentType = await sniffContentType(bytes);
    if (!contentType || !(AVATAR_TYPES as readonly string[]).includes(contentType)) {
      throw new UnsupportedUploadType(AVATAR_TYPES);
    }
    await this.store.put(avatarKey(userId), bytes, { contentType, sizeBytes: bytes.length });
    const avatarUrl = uploadedAvatarUrl(userId);
    const outcome = await this.setAvatarUrl(userId, avatarUrl, ctx);
    return { outcome, avatarUrl, contentType, sizeBytes: bytes.length };
  }

  /** Clears the profile's avatar, then deletes the object (an external avatar URL is cleared too). */
  async remove(userId: string, ctx: RequestContext, expectedVersion?: number): Promise<CommandOutcome> {
    const outcome = await this.setAvatarUrl(userId, null, ctx, expectedVersion);
    await this.store?.remove(avatarKey(userId));
    return outcome;
  }

  /** Erasure of a deleted account: the object goes (the event's URL is crypto-shredded already). */
  async erase(userId: string): Promise<void> {
    await this.store?.remove(avatarKey(userId));
  }

  private setAvatarUrl(
    userId: string,
    avatarUrl: string | null,
    ctx: RequestContext,
    expectedVersion?: number,
  ): Promise<CommandOutcome> {
    return this.commands.handle(
      userDecider,
      streams.user(userId),
      { type: 'UpdateProfile', data: { userId, avatarUrl }, actorId: userId, now: ctx.now },
      ctx,
      expectedVersion === undefined ? {} : { expectedVersion },
    );
  }
}
