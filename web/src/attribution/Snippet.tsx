// A site's snippet (the HTML to paste into its pages) with a copy button; selected for copying
// by hand where the page may not use the clipboard.
import { useRef, useState } from "react";
import { useI18n } from "../i18n";
import type { Site } from "./types";

export function Snippet({ site, onClose }: { site: Site; onClose?: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<boolean | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(site.snippet);
      setCopied(true);
    } catch {
      area.current?.select();
      setCopied(false);
    }
  };
  const label = t("attribution.sites.snippetOf", { name: site.name });
  return (
    <div className="panel" role="region" aria-label={label}>
      <h2>{label}</h2>
      <p className="hint">{t("attribution.sites.snippetHint")}</p>
      <textarea ref={area} className="snippet" readOnly value={site.snippet} aria-label={label} data-testid="site-snippet" onFocus={(e) => e.target.select()} />
      <p className="hint" aria-live="polite">
        {copied === true && t("attribution.sites.copied")}
        {copied === false && t("attribution.sites.copyByHand")}
      </p>
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void copy()}>
          {t("attribution.sites.copy")}
        </button>
        {onClose && (
          <button type="button" onClick={onClose}>
            {t("common.close")}
          </button>
        )}
      </div>
    </div>
  );
}

