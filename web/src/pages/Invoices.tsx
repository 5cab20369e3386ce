import { useState } from "react";
import { api } from "../api/client";
import type { Invoice } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { formatDate, formatMoney, useI18n } from "../i18n";
import { Link } from "../router";
import { useRole } from "../session";
import { InvoicingDetails } from "../components/InvoicingDetails";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { InvoiceForm } from "../components/InvoiceForm";
import { PaymentForm } from "../components/PaymentForm";

export function Invoices() {
  const { t, locale } = useI18n();
  const role = useRole();
  const writable = can(role, "invoices.write");
  const [settings, setSettings] = useState(false);
  const list = usePaged<Invoice>("/api/invoices");
  const [creating, setCreating] = useState(false);
  const [paying, setPaying] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replace = (i: Invoice) => list.setItems((items) => [i, ...items.filter((x) => x.id !== i.id)]);

  const issue = async (invoice: Invoice) => {
    setError(null);
    try {
      replace(await api.post<Invoice>(`/api/invoices/${invoice.id}/issue`));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <PageTitle
        actions={
          <>
            {can(role, "company.update") && (
              <button type="button" onClick={() => setSettings(!settings)} aria-expanded={settings}>
                {t("invoicing.title")}
              </button>
            )}
            {writable && (
              <button type="button" className="primary" onClick={() => setCreating(true)}>
                {t("invoices.new")}
              </button>
            )}
          </>
        }
      >
        {t("invoices.title")}
      </PageTitle>
      {settings && <InvoicingDetails onClose={() => setSettings(false)} />}
      {creating && (
        <InvoiceForm
          onSaved={(i) => {
            replace(i);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ErrorBox error={error ?? list.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("invoices.number")}</th>
              <th>{t("common.status")}</th>
              <th>{t("invoices.due")}</th>
              <th className="num">{t("invoices.total")}</th>
              <th className="num">{t("invoices.paidAmount")}</th>
              <th>{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((i) => (
              <tr key={i.id}>
                <td>{i.number ?? t("invoices.draftNumber")}</td>
                <td>
                  <span className={`badge ${i.status}`}>{t(`invoices.status.${i.status}`)}</span>
                </td>
                <td>{formatDate(i.due_date, locale) || t("common.none")}</td>
                <td className="num">{formatMoney(i.total_cents, i.currency, locale)}</td>
                <td className="num">{formatMoney(i.paid_cents, i.currency, locale)}</td>
                <td className="buttons">
                  <Link to={`/invoices/${i.id}`}>{t("invoices.view")}</Link>
                  {writable && i.status === "draft" && (
                    <button type="button" onClick={() => void issue(i)}>
                      {t("invoices.issue")}
                    </button>
                  )}
                  {writable && i.status === "issued" && paying !== i.id && (
                    <button type="button" onClick={() => setPaying(i.id)}>
                      {t("invoices.pay")}
                    </button>
                  )}
                  {paying === i.id && (
                    <PaymentForm
                      invoice={i}
                      onPaid={(paid) => {
                        replace(paid);
                        setPaying(null);
                      }}
                      onCancel={() => setPaying(null)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.loading ? <Loading /> : list.items.length === 0 && <p>{t("common.empty")}</p>}
      {list.hasMore && (
        <button type="button" onClick={() => void list.more()}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}
