/** A refusal of the command or query API, from its problem+json answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The refused business rule (`already-in-meeting`, …), when the problem names one. */
    readonly rule: string | undefined,
    message: string,
    /** Seconds to wait before trying again (Retry-After), when the API said so. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }

  static async from(res: Response, what: string): Promise<ApiError> {
    const problem = (await res.json().catch(() => ({}))) as { detail?: string; rule?: string };
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    return new ApiError(
      res.status,
      problem.rule,
      `${what}: ${problem.detail ?? res.statusText} (${res.status})`,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }
}
