/** A message the mail catcher holds: Mailpit's field names where its API shows them. */
export interface MailAddress {
  Name: string;
  Address: string;
}

export interface CaughtAttachment {
  PartID: string;
  FileName: string;
  ContentType: string;
  Size: number;
  content: Buffer;
}

export interface CaughtMessage {
  ID: string;
  From: MailAddress;
  To: MailAddress[];
  Subject: string;
  /** When the catcher received it (ISO 8601). */
  Created: string;
  /** The message's own Date header (ISO 8601), or Created when it has none. */
  Date: string;
  Text: string;
  HTML: string;
  attachments: CaughtAttachment[];
}
