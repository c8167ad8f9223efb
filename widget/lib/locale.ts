/** The launcher's two sentences: all the loader needs (the panel's are in i18n.ts). */
export interface LauncherStrings {
  openChat: string;
  closeChat: string;
}

export const LAUNCHER_STRINGS: Record<'en' | 'de' | 'fr', LauncherStrings> = {
  en: { openChat: 'Open chat', closeChat: 'Close chat' },
  de: { openChat: 'Chat öffnen', closeChat: 'Chat schließen' },
  fr: { openChat: 'Ouvrir le chat', closeChat: 'Fermer le chat' },
};

/** The visitor's languages, most preferred first. */
export function visitorLanguages(): readonly string[] {
  return navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en'];
}

/** The first of the visitor's languages the widget speaks (`de-AT` counts as `de`); English otherwise. */
export function pickLocale(languages: readonly string[]): 'en' | 'de' | 'fr' {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'en' || base === 'de' || base === 'fr') return base;
  }
  return 'en';
}
