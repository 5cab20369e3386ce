import { useState } from "react";
import { ApiError, api } from "../api/client";
import type { Invoice } from "../api/types";
import { can } from "../generated/roles";
import { usePaged } from "../hooks";
import { formatDate, useI18n } from "../i18n";
import { formatMoney } from "../money";
import { Link, navigate } from "../router";
import { useRole } from "../session";
import { ErrorBox, PageTitle, Select } from "../components/ui";
import { PagedList, Table } from "../components/List";
import { InvoiceForm } from "../components/InvoiceForm";
import { PaymentForm } from "../components/PaymentForm";
import { namedForPeople } from "../components/InvoiceParts";

export function Invoices() {
  const { t, locale } = useI18n();
  const role = useRole();
  const writable = can(role, "invoices.write");
  const [status, setStatus] = useState("");
  const list = usePaged<Invoice>("/api/invoices", { params: { status: status || undefined } });
  const [creating, setCreating] = useState(false);
  const [paying, setPaying] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replace = (i: Invoice) => list.setItems((items) => [i, ...items.filter((x) => x.id !== i.id)]);

  const issue = async (invoice: Invoice) => {
    setError(null);
    try {
      replace(await api.post<Invoice>(`/api/invoices/${invoice.id}/issue`));
    } catch (e) {
      setError(e instanceof ApiError ? namedForPeople(e, t) : e);
    }
  };

  return (
    <section>
      <PageTitle
        actions={
          <>
            {can(role, "company.update") && (
              <Link className="button" to="/settings/invoicing">
                {t("invoicing.title")}
              </Link>
            )}
            {writable && (
              <Link className="button" to="/invoices/from-time">
                {t("fromTime.open")}
              </Link>
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
      {creating && (
        <InvoiceForm
          onSaved={(i) => {
            replace(i);
            setCreating(false);
            navigate(`/invoices/${i.id}`);
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ErrorBox error={error} />
      <div className="row no-print">
        <Select label={t("money.statusFilter")} name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t("money.allStatuses")}</option>
          {(["draft", "issued", "paid", "credited"] as const).map((s) => (
            <option key={s} value={s}>
              {t(`invoices.status.${s}`)}
            </option>
          ))}
        </Select>
      </div>
      <PagedList list={list} search>
        <div className="stack-on-phone">
          <Table
            rows={list.items}
            rowKey={(i) => i.id}
            columns={[
              { header: t("invoices.number"), cell: (i) => i.number ?? t("invoices.draftNumber") },
              {
                header: t("common.status"),
                cell: (i) => <span className={`badge ${i.status}`}>{t(`invoices.status.${i.status}`)}</span>,
              },
              { header: t("invoices.due"), cell: (i) => formatDate(i.due_date, locale) || t("common.none") },
              { header: t("invoices.total"), className: "num", cell: (i) => formatMoney(i.total_cents, i.currency, locale) },
              { header: t("invoices.paidAmount"), className: "num", cell: (i) => formatMoney(i.paid_cents, i.currency, locale) },
              { header: t("money.open"), className: "num", cell: (i) => (i.status === "draft" ? t("common.none") : formatMoney(i.open_cents, i.currency, locale)) },
              {
                header: t("common.actions"),
                cell: (i) => (
                  <div className="buttons">
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
                  </div>
                ),
              },
            ]}
          />
        </div>
      </PagedList>
    </section>
  );
}
