/** The campaign every run of the crash test sends. */
export const CAMPAIGN = { id: 'crash-campaign', recipients: 200, sessions: 4, text: 'spring sale' } as const;

/** The recipients, in order: usernames the scripted Telegram knows. */
export function crashRecipients(): string[] {
  return Array.from({ length: CAMPAIGN.recipients }, (_, i) => `member_${String(i).padStart(4, '0')}`);
}
