import { LAUNCHER_STRINGS, pickLocale, type LauncherStrings } from './locale.js';

export { pickLocale };

/** Every sentence the widget shows itself; the workspace's title and greeting come from its settings. */
export interface Strings extends LauncherStrings {
  conversation: string;
  newConversation: string;
  deleteChat: string;
  deleteQuestion: string;
  confirmDelete: string;
  cancel: string;
  messageLabel: string;
  placeholder: string;
  send: string;
  stop: string;
  you: string;
  assistant: string;
  thinking: string;
  incomplete: string;
  replyFailed: string;
  unavailable: string;
  loading: string;
  loadFailed: string;
  retry: string;
  networkError: string;
  rateLimited: (seconds: number) => string;
  conversationFull: string;
  originNotAllowed: string;
  /** The workspace's tokens for today are spent (429 budget_exhausted). */
  budgetExhausted: string;
  /** The server is taking no more messages for a moment (503 busy). */
  busy: string;
  /** A reply cut at the workspace's maximum length. */
  replyTruncated: string;
  /** The label of the pages a reply cites. */
  sources: string;
}

const en: Strings = {
  ...LAUNCHER_STRINGS.en,
  conversation: 'Conversation',
  newConversation: 'New conversation',
  deleteChat: 'Delete this chat',
  deleteQuestion: 'Delete this chat and all its messages? This cannot be undone.',
  confirmDelete: 'Confirm delete',
  cancel: 'Cancel',
  messageLabel: 'Message',
  placeholder: 'Write a message…',
  send: 'Send message',
  stop: 'Stop the reply',
  you: 'You',
  assistant: 'Assistant',
  thinking: 'The assistant is writing…',
  incomplete: 'This reply was interrupted.',
  replyFailed: 'The assistant is unavailable right now. Please try again in a moment.',
  unavailable: 'This chat has no AI model configured yet, so it cannot answer right now.',
  loading: 'Loading the conversation…',
  loadFailed: 'The conversation could not be loaded.',
  retry: 'Try again',
  networkError: 'The chat cannot be reached. Check your connection and try again.',
  rateLimited: (s) => `You are sending messages too quickly. Please wait ${s} seconds.`,
  conversationFull: 'This conversation is full. Start a new one to keep chatting.',
  originNotAllowed: 'This chat is not enabled for this website.',
  budgetExhausted: 'This chat has reached its limit for today. Please come back tomorrow.',
  busy: 'Lots of people are chatting right now. Please try again in a few seconds.',
  replyTruncated: 'This reply reached its maximum length.',
  sources: 'Sources',
};

const de: Strings = {
  ...LAUNCHER_STRINGS.de,
  conversation: 'Unterhaltung',
  newConversation: 'Neue Unterhaltung',
  deleteChat: 'Diesen Chat löschen',
  deleteQuestion: 'Diesen Chat mit allen Nachrichten löschen? Das lässt sich nicht rückgängig machen.',
  confirmDelete: 'Löschen bestätigen',
  cancel: 'Abbrechen',
  messageLabel: 'Nachricht',
  placeholder: 'Nachricht schreiben…',
  send: 'Nachricht senden',
  stop: 'Antwort anhalten',
  you: 'Sie',
  assistant: 'Assistent',
  thinking: 'Der Assistent schreibt…',
  incomplete: 'Diese Antwort wurde unterbrochen.',
  replyFailed: 'Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
  unavailable: 'Für diesen Chat ist noch kein KI-Modell eingerichtet, daher kann er gerade nicht antworten.',
  loading: 'Unterhaltung wird geladen…',
  loadFailed: 'Die Unterhaltung konnte nicht geladen werden.',
  retry: 'Erneut versuchen',
  networkError: 'Der Chat ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  rateLimited: (s) => `Sie senden zu schnell Nachrichten. Bitte warten Sie ${s} Sekunden.`,
  conversationFull: 'Diese Unterhaltung ist voll. Beginnen Sie eine neue, um weiterzuschreiben.',
  originNotAllowed: 'Dieser Chat ist für diese Website nicht freigeschaltet.',
  budgetExhausted: 'Dieser Chat hat sein Limit für heute erreicht. Bitte schauen Sie morgen wieder vorbei.',
  busy: 'Gerade chatten sehr viele Menschen. Bitte versuchen Sie es in ein paar Sekunden noch einmal.',
  replyTruncated: 'Diese Antwort hat ihre maximale Länge erreicht.',
  sources: 'Quellen',
};

const fr: Strings = {
  ...LAUNCHER_STRINGS.fr,
  conversation: 'Conversation',
  newConversation: 'Nouvelle conversation',
  deleteChat: 'Supprimer cette discussion',
  deleteQuestion: 'Supprimer cette discussion et tous ses messages ? Cette action est irréversible.',
  confirmDelete: 'Confirmer la suppression',
  cancel: 'Annuler',
  messageLabel: 'Message',
  placeholder: 'Écrivez un message…',
  send: 'Envoyer le message',
  stop: 'Arrêter la réponse',
  you: 'Vous',
  assistant: 'Assistant',
  thinking: 'L’assistant écrit…',
  incomplete: 'Cette réponse a été interrompue.',
  replyFailed: 'L’assistant est indisponible pour le moment. Réessayez dans un instant.',
  unavailable: 'Aucun modèle d’IA n’est encore configuré pour ce chat : il ne peut pas répondre pour le moment.',
  loading: 'Chargement de la conversation…',
  loadFailed: 'La conversation n’a pas pu être chargée.',
  retry: 'Réessayer',
  networkError: 'Le chat est injoignable. Vérifiez votre connexion et réessayez.',
  rateLimited: (s) => `Vous envoyez des messages trop vite. Merci de patienter ${s} secondes.`,
  conversationFull: 'Cette conversation est complète. Commencez-en une nouvelle pour continuer.',
  originNotAllowed: 'Ce chat n’est pas activé pour ce site.',
  budgetExhausted: 'Ce chat a atteint sa limite pour aujourd’hui. Merci de revenir demain.',
  busy: 'Beaucoup de personnes discutent en ce moment. Réessayez dans quelques secondes.',
  replyTruncated: 'Cette réponse a atteint sa longueur maximale.',
  sources: 'Sources',
};

const LOCALES: Record<string, Strings> = { en, de, fr };

export function stringsFor(languages: readonly string[]): Strings {
  return LOCALES[pickLocale(languages)]!;
}
