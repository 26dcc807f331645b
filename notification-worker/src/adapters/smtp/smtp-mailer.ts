import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { MailerError } from '../../ports/mailer.js';
import type { Mailer, OutgoingEmail } from '../../ports/mailer.js';

export interface SmtpSettings {
  host: string;
  port: number;
  from: string;
  secure: boolean;
  requireTls: boolean;
  ignoreTls: boolean;
  auth: { user: string; pass: string } | null;
  timeoutMs: number;
}

/** nodemailer's errors carry these beside the message (which may quote the recipient). */
interface SmtpFailure {
  code?: string;
  responseCode?: number;
}

/** Email through an SMTP server, a connection per message (a worker sends one at a time). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      ignoreTLS: settings.ignoreTls,
      ...(settings.auth ? { auth: settings.auth } : {}),
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
      });
    } catch (error) {
      const { code, responseCode } = error as SmtpFailure;
      // 5xx: the server refused this message for good; anything else (4xx, no connection,
      // a timeout) may pass later.
      const permanent = responseCode !== undefined && responseCode >= 500 && responseCode < 600;
      const what = [code, responseCode].filter((v) => v !== undefined).join(' ') || 'unknown';
      throw new MailerError(`SMTP send failed (${what})`, permanent, what);
    }
  }

  close(): void {
    this.transport.close();
  }
}
