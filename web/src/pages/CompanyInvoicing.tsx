// `/settings/invoicing`: the company's legal and invoice details (printed on every invoice;
// issued invoices keep the ones they were issued with) and its logo.
import { useEffect, useState } from "react";
import { requestRaw } from "../api/client";
import { useI18n } from "../i18n";
import { ErrorBox, Notice, PageTitle } from "../components/ui";
import { InvoicingDetails } from "../components/InvoicingDetails";
import { Link } from "../router";

/** The largest logo the server takes. */
export const LOGO_MAX_BYTES = 512 * 1024;

export function CompanyInvoicing() {
  const { t } = useI18n();
  return (
    <section>
      <PageTitle>{t("invoicing.title")}</PageTitle>
      <p className="no-print">
        <Link to="/settings">{t("money.backToSettings")}</Link>
      </p>
      <InvoicingDetails />
      <LogoForm />
    </section>
  );
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((ok, fail) => {
    const reader = new FileReader();
    reader.onload = () => ok(String(reader.result));
    reader.onerror = () => fail(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(blob);
  });
}

function LogoForm() {
  const { t } = useI18n();
  const [preview, setPreview] = useState<string | null>(null);
  const [none, setNone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = async () => {
    try {
      const response = await requestRaw("GET", "/api/company/logo");
      const blob = await response.blob();
      // A data: URL: the Content-Security-Policy allows images from 'self' and data: only.
      setPreview(await dataUrl(blob));
      setNone(false);
    } catch {
      setPreview(null);
      setNone(true);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const upload = async (file: File | undefined) => {
    setError(null);
    setDone(null);
    if (!file) return;
    if (file.size > LOGO_MAX_BYTES) {
      setError(new Error(t("money.logoTooLarge")));
      return;
    }
    try {
      await requestRaw("PUT", "/api/company/logo", file);
      setDone(t("common.saved"));
      await load();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async () => {
    setError(null);
    try {
      await requestRaw("DELETE", "/api/company/logo");
      setDone(t("money.logoRemoved"));
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="panel">
      <h2>{t("money.logo")}</h2>
      <p className="hint">{t("money.logoHint")}</p>
      {preview ? <img className="logo-preview" src={preview} alt={t("money.logoPreview")} /> : none && <p>{t("money.noLogo")}</p>}
      <div className="field">
        <label htmlFor="logo-file">{t("money.logoFile")}</label>
        <input id="logo-file" type="file" accept="image/png,image/jpeg" onChange={(e) => void upload(e.target.files?.[0])} />
      </div>
      {error instanceof Error && !("code" in error) ? <div className="error" role="alert">{error.message}</div> : <ErrorBox error={error} />}
      {done && <Notice>{done}</Notice>}
      {preview && (
        <div className="buttons">
          <button type="button" className="danger" onClick={() => void remove()}>
            {t("money.removeLogo")}
          </button>
        </div>
      )}
    </div>
  );
}
