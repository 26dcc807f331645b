/** Where a user id's email address is looked up when a job is sent (never before: see the job). */
export interface RecipientDirectory {
  /** The address of an active, not deleted user who has one; null for anyone else. */
  emailOf(userId: string): Promise<string | null>;
}
