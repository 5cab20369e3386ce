// Labels of wire values that may be newer than this app's texts: the text when there is one,
// else the value itself.
import { en, type MessageKey } from "../i18n/en";
import type { Translate } from "../i18n";

export function labelOr(t: Translate, key: string, fallback: string): string {
  return key in en ? t(key as MessageKey) : fallback;
}
