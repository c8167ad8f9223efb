// A small help centre for retrieval tests: articles whose words overlap on purpose (cards,
// orders, pages), questions with the one passage that answers each, and filler chunks.
import type { ChunkToStore } from '../../server/knowledge/chunk-text.js';

export interface Article {
  title: string;
  headingPath: string;
  content: string;
}

export const ARTICLES: Article[] = [
  { title: 'Billing', headingPath: 'Refunds', content: 'Refunds are paid back to the original card within 14 days of the returned parcel reaching our warehouse.' },
  { title: 'Billing', headingPath: 'Invoices', content: 'Invoices are emailed as PDF files on the first day of each month. Older invoices can be downloaded from the billing page.' },
  { title: 'Billing', headingPath: 'Payment methods', content: 'We accept Visa, Mastercard, American Express and SEPA direct debit. You can change the card we charge on the billing page.' },
  { title: 'Billing', headingPath: 'VAT', content: 'Prices include VAT for customers in the European Union; business customers can add their VAT number to their invoices.' },
  { title: 'Shipping', headingPath: 'Delivery times', content: 'Parcels leave our warehouse every working morning and usually arrive within two to four working days.' },
  { title: 'Shipping', headingPath: 'Returns', content: 'To return an item, print the prepaid label from your order page and drop the parcel at any post office within 30 days.' },
  { title: 'Shipping', headingPath: 'Tracking', content: 'Every order page shows a tracking link once the carrier has scanned the parcel.' },
  { title: 'Shipping', headingPath: 'International shipping', content: 'We ship to 40 countries. Customs duties outside the European Union are paid by the recipient on delivery.' },
  { title: 'Account', headingPath: 'Password', content: 'Forgot your password? Use the reset link on the sign-in page; the emailed link expires after one hour.' },
  { title: 'Account', headingPath: 'Two-factor authentication', content: 'Turn on two-factor authentication in your security settings and scan the QR code with an authenticator app.' },
  { title: 'Account', headingPath: 'Deleting your account', content: 'Deleting your account removes your orders, addresses and saved cards permanently after a 7-day grace period.' },
  { title: 'Account', headingPath: 'Email address', content: 'Change the email address of your account in your profile; we send a confirmation message to the new address.' },
  { title: 'Widget', headingPath: 'Installing', content: 'Paste the script tag into the head of every page where the chat widget should appear.' },
  { title: 'Widget', headingPath: 'Colours', content: 'The widget colour, position and dark mode are chosen in the appearance settings of the admin panel.' },
  { title: 'Widget', headingPath: 'Allowed origins', content: 'List every website origin that may embed the widget; other sites get an error instead of a chat.' },
  { title: 'Team', headingPath: 'Inviting members', content: 'Admins invite teammates by email from the members page; invitations expire after seven days.' },
];

/** Questions and the index in ARTICLES of the passage that answers each. */
export const QUESTIONS: [string, number][] = [
  ['How long until refunds are paid?', 0],
  ['Which cards do you accept for payment?', 2],
  ['How do I reset my password?', 8],
  ['Where can I download an old invoice?', 1],
  ['How many days does delivery take?', 4],
  ['How do I return an item I ordered?', 5],
  ['Can I use an authenticator app for two-factor authentication?', 9],
  ['Who pays customs duties for international shipping?', 7],
];

const SYLLABLES = 'ba ko ri te mu sa lo ve ni du pe xa zo fi gu ja'.split(' ');

/**
 * Chunks of generated text about nothing the questions ask, for a haystack of n: made-up
 * words from a vocabulary of a few thousand, so the chunks differ as real pages do (a
 * haystack of near-copies would be an unreal test of the HNSW graph).
 */
export function fillerChunks(n: number, seed = 1): Article[] {
  let x = seed;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
  const word = () => Array.from({ length: 3 }, () => SYLLABLES[(next() >> 8) % SYLLABLES.length]).join('');
  return Array.from({ length: n }, (_, i) => ({
    title: `Reference ${Math.floor(i / 10)}`,
    headingPath: `Section ${i}`,
    content: Array.from({ length: 60 }, word).join(' ') + '.',
  }));
}

/** Articles as a document's chunks, in order. */
export function asChunks(articles: readonly Article[], url = 'https://help.example/page'): ChunkToStore[] {
  return articles.map((a, position) => ({ position, ...a, tokenEstimate: Math.ceil(a.content.length / 4), url: `${url}#${position}` }));
}
